namespace SecureMqtt.Cli.Common;

/// <summary>
/// One status line on stderr, redrawn in place while long work runs, and erased when it ends. Only a terminal gets
/// one (<see cref="Start"/> returns null otherwise): a file, a pipe or a test's writer sees nothing extra, so
/// redirected output stays what scripts and the mosquitto parity tests expect. Shared, as a linked source file, by
/// smqtt and the bench runners (bench/SecureMqtt.Faults, bench/SecureMqtt.CrashPublisher).
/// </summary>
internal sealed class ProgressLine : IAsyncDisposable
{
    private const string EraseLine = "\r\u001b[K";

    private readonly TextWriter _error;
    private readonly Func<string> _describe;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private bool _drawn;

    private ProgressLine(TextWriter error, Func<string> describe, TimeSpan interval, TimeSpan delay)
    {
        _error = error;
        _describe = describe;
        _loop = Task.Run(() => RunAsync(interval, delay));
    }

    /// <summary>Whether <paramref name="error"/> is the console's stderr and that is a terminal.</summary>
    public static bool IsTerminal(TextWriter error) => ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>
    /// Starts redrawing <paramref name="describe"/>'s text every <paramref name="interval"/> (default 0.5 s) after
    /// <paramref name="delay"/> (default 1 s, so short work prints nothing); null, and nothing is ever drawn, when
    /// <paramref name="isTerminal"/> is false.
    /// </summary>
    public static ProgressLine? Start(TextWriter error, bool isTerminal, Func<string> describe, TimeSpan? interval = null, TimeSpan? delay = null) =>
        isTerminal ? new ProgressLine(error, describe, interval ?? TimeSpan.FromMilliseconds(500), delay ?? TimeSpan.FromSeconds(1)) : null;

    /// <summary>Writes a line of its own (a warning) above the progress line, which the next tick draws again.</summary>
    public void WriteLine(string line)
    {
        lock (_lock)
        {
            Erase();
            _error.WriteLine(line);
            _error.Flush();
        }
    }

    /// <summary>Stops redrawing and erases the line, leaving the cursor where the line began.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
#pragma warning disable VSTHRD003 // The loop is this object's own, started in its constructor.
        await _loop.ConfigureAwait(false);
#pragma warning restore VSTHRD003
        lock (_lock)
        {
            Erase();
        }

        await _error.FlushAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan interval, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            using var timer = new PeriodicTimer(interval);
            do
            {
                Draw();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The work is over.
        }
    }

    private void Draw()
    {
        var text = Fit(_describe());
        lock (_lock)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _error.Write(EraseLine + text);
            _error.Flush();
            _drawn = true;
        }
    }

    private void Erase()
    {
        if (_drawn)
        {
            _error.Write(EraseLine);
            _drawn = false;
        }
    }

    /// <summary>Cut to the window's width: a line that wrapped could no longer be erased with a carriage return.</summary>
    private static string Fit(string text)
    {
        int width;
        try
        {
            width = Console.WindowWidth;
        }
        catch (IOException)
        {
            width = 80;
        }

        return width > 1 && text.Length >= width ? text[..(width - 1)] : text;
    }
}
