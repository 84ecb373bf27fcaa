using System.Diagnostics;
using System.Text;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>
/// mosquitto_sub run next to smqtt sub with the same options, to compare what each prints. It runs with -d (line
/// buffered through stdbuf) so <see cref="StartAsync"/> can return once its SUBACK arrived; the debug lines are
/// removed from <see cref="ResultAsync"/>'s output.
/// </summary>
internal sealed class MosquittoSubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout;
    private readonly StringBuilder _stderr;

    private MosquittoSubProcess(Process process, StringBuilder stdout, StringBuilder stderr)
    {
        _process = process;
        _stdout = stdout;
        _stderr = stderr;
    }

    public static async Task<MosquittoSubProcess> StartAsync(IEnumerable<string> args)
    {
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ProcessRunner.Start("stdbuf", ["-oL", "mosquitto_sub", "-d", .. args], out var stdout, out var stderr, line =>
        {
            if (line.Contains("received SUBACK", StringComparison.Ordinal))
            {
                subscribed.TrySetResult();
            }
        });
        var sub = new MosquittoSubProcess(process, stdout, stderr);
        var first = await Task.WhenAny(subscribed.Task, process.WaitForExitAsync()).WaitAsync(Smqtt.Timeout);
        Assert.True(first == subscribed.Task, $"mosquitto_sub did not subscribe: {stdout} {stderr}");
        return sub;
    }

    /// <summary>Exit code and the output lines that are not -d traces, each ending in "\n".</summary>
    public async Task<(int ExitCode, string Output, string Error)> ResultAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(Smqtt.Timeout);
        _process.WaitForExit();
        string text;
        lock (_stdout)
        {
            text = _stdout.ToString();
        }

        var lines = text.Split('\n').SkipLast(1).Where(l => !l.StartsWith("Client ", StringComparison.Ordinal) && !l.StartsWith("Subscribed", StringComparison.Ordinal));
        lock (_stderr)
        {
            return (_process.ExitCode, string.Concat(lines.Select(l => l + "\n")), _stderr.ToString());
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
