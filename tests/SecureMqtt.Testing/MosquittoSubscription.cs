using System.Diagnostics;
using System.Text;

namespace SecureMqtt.Testing;

/// <summary>
/// A <c>mosquitto_sub</c> process used as an independent observer: <see cref="StartAsync"/> returns once the
/// broker has acknowledged the subscription, so a publish made afterwards cannot race it.
/// </summary>
public sealed class MosquittoSubscription : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout;
    private readonly StringBuilder _stderr;

    private MosquittoSubscription(Process process, StringBuilder stdout, StringBuilder stderr)
    {
        _process = process;
        _stdout = stdout;
        _stderr = stderr;
    }

    /// <summary>
    /// Runs <c>mosquitto_sub -d -C <paramref name="count"/> -W <paramref name="timeout"/> -t <paramref name="topic"/> -q 1</c>
    /// plus <paramref name="connectionArguments"/> (host, port, TLS files) and waits for its SUBACK.
    /// </summary>
    /// <param name="connectionArguments">e.g. <c>-h 127.0.0.1 -p 1883 --cafile ca.crt</c>.</param>
    /// <param name="topic">Topic filter.</param>
    /// <param name="count">Exit after this many messages.</param>
    /// <param name="timeout">mosquitto_sub's own -W deadline, after which it exits without the messages; default 10 s.</param>
    /// <exception cref="InvalidOperationException">mosquitto_sub exited before subscribing (connection refused, TLS failure).</exception>
    public static Task<MosquittoSubscription> StartAsync(IEnumerable<string> connectionArguments, string topic, int count = 1, TimeSpan? timeout = null)
    {
        var seconds = (int)Math.Ceiling((timeout ?? TimeSpan.FromSeconds(10)).TotalSeconds);
        string[] arguments = ["-C", $"{count}", "-W", $"{seconds}", "-t", topic, "-q", "1", .. connectionArguments];
        return StartWithArgumentsAsync(arguments, TimeSpan.FromSeconds(seconds));
    }

    /// <summary>
    /// Runs <c>mosquitto_sub -d</c> with exactly <paramref name="arguments"/> (for comparing it with another client given
    /// the same options) and waits for its SUBACK.
    /// </summary>
    /// <param name="arguments">Everything but <c>-d</c>, which is added to see the SUBACK.</param>
    /// <param name="subscribeTimeout">How long to wait for the SUBACK; default 30 s.</param>
    /// <exception cref="InvalidOperationException">mosquitto_sub exited or timed out before subscribing.</exception>
    public static async Task<MosquittoSubscription> StartWithArgumentsAsync(IEnumerable<string> arguments, TimeSpan? subscribeTimeout = null)
    {
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // stdout to a pipe is block-buffered by stdio, so the SUBACK trace would only arrive at exit; stdbuf makes it line-buffered.
        var process = ProcessRunner.Start("stdbuf", ["-oL", "mosquitto_sub", "-d", .. arguments], out var stdout, out var stderr, line =>
        {
            if (line.Contains("received SUBACK", StringComparison.Ordinal))
            {
                subscribed.TrySetResult();
            }
        });
        var subscription = new MosquittoSubscription(process, stdout, stderr);
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(subscribed.Task, exited, Task.Delay(subscribeTimeout ?? TimeSpan.FromSeconds(30))) != subscribed.Task)
        {
            await subscription.DisposeAsync();
            throw new InvalidOperationException($"mosquitto_sub did not subscribe.\n{subscription.Output}");
        }

        return subscription;
    }

    /// <summary>Everything mosquitto_sub printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_stdout)
            {
                lock (_stderr)
                {
                    return $"--- stdout ---\n{_stdout}--- stderr ---\n{_stderr}";
                }
            }
        }
    }

    /// <summary>Waits for mosquitto_sub to exit (after its message count or its -W deadline) and returns the payloads it received.</summary>
    public async Task<IReadOnlyList<string>> WaitForMessagesAsync()
    {
        var result = await WaitForExitAsync(Timeout.InfiniteTimeSpan);
        return [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];
    }

    /// <summary>
    /// Waits for mosquitto_sub to exit and returns its exit code, its stdout without the -d traces (each line ending in
    /// "\n", empty lines kept) and its stderr.
    /// </summary>
    /// <param name="timeout">How long to wait for the exit; <see cref="Timeout.InfiniteTimeSpan"/> where -C or -W bounds it.</param>
    /// <exception cref="TimeoutException">mosquitto_sub still runs after <paramref name="timeout"/>.</exception>
    public async Task<ProcessResult> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        // The parameterless WaitForExit also waits for the redirected output to be drained.
        _process.WaitForExit();
        string text;
        lock (_stdout)
        {
            text = _stdout.ToString();
        }

        // With -d, protocol traces start with "Client " and "Subscribed"; every other stdout line is a payload.
        var payloadLines = text.Split('\n').SkipLast(1)
            .Where(l => !l.StartsWith("Client ", StringComparison.Ordinal) && !l.StartsWith("Subscribed", StringComparison.Ordinal));
        lock (_stderr)
        {
            return new ProcessResult(_process.ExitCode, string.Concat(payloadLines.Select(l => l + "\n")), _stderr.ToString());
        }
    }

    /// <summary>Kills mosquitto_sub if it still runs.</summary>
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
