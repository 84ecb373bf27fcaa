using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace SecureMqtt.Testing;

/// <summary>
/// A server process started in the foreground for one test run (tinyproxy, danted): collects its output, waits until
/// it printed its readiness line and accepts on its port, and kills it on dispose.
/// </summary>
internal sealed class LoopbackDaemon : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout;
    private readonly StringBuilder _stderr;
    private readonly string _name;

    private LoopbackDaemon(string name, Process process, StringBuilder stdout, StringBuilder stderr)
    {
        _name = name;
        _process = process;
        _stdout = stdout;
        _stderr = stderr;
    }

    /// <summary>Everything the process printed so far, stdout then stderr.</summary>
    public string Output => Read(_stdout) + Read(_stderr);

    /// <summary>Starts <paramref name="fileName"/> and returns once <paramref name="readyText"/> appeared in its output and <paramref name="port"/> accepts.</summary>
    public static async Task<LoopbackDaemon> StartAsync(string fileName, IEnumerable<string> arguments, string readyText, int port, TimeSpan timeout)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ProcessRunner.Start(fileName, arguments, out var stdout, out var stderr, line =>
        {
            if (line.Contains(readyText, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        });
        var daemon = new LoopbackDaemon(Path.GetFileName(fileName), process, stdout, stderr);
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            var exited = process.WaitForExitAsync(deadline.Token);
            if (await Task.WhenAny(ready.Task, exited) != ready.Task)
            {
                throw new InvalidOperationException(
                    process.HasExited
                        ? $"{daemon._name} exited with code {process.ExitCode} while starting.\n{daemon.Output}"
                        : $"{daemon._name} did not report '{readyText}' within {timeout.TotalSeconds} s.\n{daemon.Output}");
            }

            while (!await AcceptsAsync(port, deadline.Token))
            {
                await Task.Delay(20, deadline.Token);
            }

            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    internal static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static string FindExecutable(string name, string package) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Append("/usr/bin")
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} is not installed: run scripts/ensure-proxies.sh (apt-get install -y {package}).");

    private static string Read(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
