using System.Text;
using SecureMqtt.Cli.Common;
using SecureMqtt.Cli.Pub;
using SecureMqtt.Cli.Sub;

namespace SecureMqtt.Cli.Tests;

/// <summary>What an in-process smqtt run printed and returned.</summary>
internal sealed record CliResult(int ExitCode, byte[] Output, string Error)
{
    public string Text => Encoding.UTF8.GetString(Output);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Text}\n--- stderr ---\n{Error}";
}

/// <summary>Runs smqtt pub and sub in-process with memory streams for stdin/stdout and a writer for stderr.</summary>
internal static class Smqtt
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<CliResult> PubAsync(IEnumerable<string> args, byte[]? stdin = null)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        var streams = new CliStreams(output, error, new MemoryStream(stdin ?? []), inputIsTerminal: false);
        using var timeout = new CancellationTokenSource(Timeout);
        var code = await PubCommand.RunAsync([.. args], streams, timeout.Token);
        return new CliResult(code, output.ToArray(), error.ToString());
    }

    public static async Task<CliResult> RrAsync(IEnumerable<string> args, byte[]? stdin = null)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        var streams = new CliStreams(output, error, new MemoryStream(stdin ?? []), inputIsTerminal: false);
        using var timeout = new CancellationTokenSource(Timeout);
        var code = await Rr.RrCommand.RunAsync([.. args], streams, timeout.Token);
        return new CliResult(code, output.ToArray(), error.ToString());
    }

    public static async Task<CliResult> DoctorAsync(IEnumerable<string> args)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        var streams = new CliStreams(output, error, new MemoryStream(), inputIsTerminal: false);
        using var timeout = new CancellationTokenSource(Timeout);
        var code = await SecureMqtt.Cli.Doctor.DoctorCommand.RunAsync([.. args], streams, timeout.Token);
        return new CliResult(code, output.ToArray(), error.ToString());
    }

    /// <summary>Starts smqtt sub; the returned run's <see cref="SubRun.Subscribed"/> completes once SUBACK arrived.</summary>
    public static SubRun StartSub(IEnumerable<string> args) => new([.. args]);
}

/// <summary>A running in-process smqtt sub.</summary>
internal sealed class SubRun
{
    private readonly WatchedMemoryStream _output = new();
    private readonly StringWriter _error = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new(Smqtt.Timeout);

    public SubRun(string[] args)
    {
        var streams = new CliStreams(_output, _error, new MemoryStream(), inputIsTerminal: false);
        Completion = Task.Run(() => SubCommand.RunAsync(args, streams, _subscribed.SetResult, _stop.Token));
    }

    public Task<int> Completion { get; }

    /// <summary>What Ctrl-C does: cancels the run's token.</summary>
    public void Stop() => _stop.Cancel();

    /// <summary>Completes when SUBACK arrived; fails if the command ended first (with its stderr).</summary>
    public async Task WaitSubscribedAsync()
    {
        var first = await Task.WhenAny(_subscribed.Task, Completion).WaitAsync(Smqtt.Timeout);
        if (first != _subscribed.Task)
        {
            Assert.Fail($"smqtt sub ended before subscribing: {await ResultAsync()}");
        }
    }

    /// <summary>Completes once stdout holds <paramref name="text"/>; fails if the command ends first.</summary>
    public async Task WaitForOutputAsync(string text)
    {
        var seen = _output.WaitForAsync(text);
        await Task.WhenAny(seen, Completion).WaitAsync(Smqtt.Timeout);

        // A run that ends right after printing (-C) completes both; only an end without the text is a failure.
        if (!seen.IsCompleted)
        {
            Assert.Fail($"smqtt sub ended before printing '{text}': {await ResultAsync()}");
        }
    }

    public async Task<CliResult> ResultAsync()
    {
        var code = await Completion.WaitAsync(Smqtt.Timeout);
        return new CliResult(code, _output.ToArray(), _error.ToString());
    }
}

/// <summary>A memory stream that completes a wait once what was written contains a given text.</summary>
internal sealed class WatchedMemoryStream : MemoryStream
{
    private readonly Lock _lock = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waiters = [];

    public Task WaitForAsync(string text)
    {
        lock (_lock)
        {
            if (Contains(text))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((text, seen));
            return seen.Task;
        }
    }

    // MemoryStream's span overload of a derived type goes through the array one, so only that one is overridden.
    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (_lock)
        {
            base.Write(buffer, offset, count);
            foreach (var waiter in _waiters.Where(w => Contains(w.Text)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Seen.TrySetResult();
            }
        }
    }

    public override byte[] ToArray()
    {
        lock (_lock)
        {
            return base.ToArray();
        }
    }

    private bool Contains(string text) => Encoding.UTF8.GetString(GetBuffer(), 0, (int)Length).Contains(text, StringComparison.Ordinal);
}
