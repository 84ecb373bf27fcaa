using SecureMqtt.Cli.Common;

namespace SecureMqtt.Cli.Tests;

/// <summary>The progress line of pub -l and the bench runners: drawn only on a terminal, erased when the work ends.</summary>
public sealed class ProgressLineTests
{
    [Fact]
    public async Task Not_a_terminal_gets_no_progress_line_and_nothing_is_written()
    {
        var error = new StringWriter();
        var described = false;

        var progress = ProgressLine.Start(error, isTerminal: false, () => { described = true; return "never"; }, delay: TimeSpan.Zero);

        Assert.Null(progress);
        await Task.Yield();
        Assert.False(described);
        Assert.Empty(error.ToString());
    }

    [Fact]
    public async Task A_terminal_line_is_redrawn_in_place_and_erased_at_the_end()
    {
        var error = new StringWriter();
        var drawn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var redrawn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var warned = false;
        var afterWarning = 0;
        var count = 0;

        var progress = ProgressLine.Start(error, isTerminal: true, () =>
        {
            if (++count == 2)
            {
                drawn.TrySetResult();
            }

            // The second call after the warning: the loop draws in turn, so the first one's line is on screen by then.
            if (Volatile.Read(ref warned) && ++afterWarning == 2)
            {
                redrawn.TrySetResult();
            }

            return $"pub: {count} lines read";
        }, interval: TimeSpan.FromMilliseconds(10), delay: TimeSpan.Zero);
        Assert.NotNull(progress);
        await drawn.Task.WaitAsync(TimeSpan.FromSeconds(10));
        progress.WriteLine("Warning: Publish 7 failed: QuotaExceeded.");
        Volatile.Write(ref warned, true);
        await redrawn.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await progress.DisposeAsync();

        var text = error.ToString();
        Assert.StartsWith("\r\u001b[Kpub: 1 lines read\r\u001b[Kpub: 2 lines read", text, StringComparison.Ordinal);
        // A warning starts on a clean line, the line is drawn again below it, and the last thing written erases it.
        Assert.Contains("\r\u001b[KWarning: Publish 7 failed: QuotaExceeded.\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\u001b[K", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text.Replace("QuotaExceeded.\n", string.Empty, StringComparison.Ordinal));
    }
}
