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

    /// <summary>Starts smqtt sub; the returned run's <see cref="SubRun.Subscribed"/> completes once SUBACK arrived.</summary>
    public static SubRun StartSub(IEnumerable<string> args) => new([.. args]);
}

/// <summary>A running in-process smqtt sub.</summary>
internal sealed class SubRun
{
    private readonly MemoryStream _output = new();
    private readonly StringWriter _error = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new(Smqtt.Timeout);

    public SubRun(string[] args)
    {
        var streams = new CliStreams(_output, _error, new MemoryStream(), inputIsTerminal: false);
        Completion = Task.Run(() => SubCommand.RunAsync(args, streams, _subscribed.SetResult, _stop.Token));
    }

    public Task<int> Completion { get; }

    /// <summary>Completes when SUBACK arrived; fails if the command ended first (with its stderr).</summary>
    public async Task WaitSubscribedAsync()
    {
        var first = await Task.WhenAny(_subscribed.Task, Completion).WaitAsync(Smqtt.Timeout);
        if (first != _subscribed.Task)
        {
            Assert.Fail($"smqtt sub ended before subscribing: {await ResultAsync()}");
        }
    }

    public async Task<CliResult> ResultAsync()
    {
        var code = await Completion.WaitAsync(Smqtt.Timeout);
        return new CliResult(code, _output.ToArray(), _error.ToString());
    }
}
