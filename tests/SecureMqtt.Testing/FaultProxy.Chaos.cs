namespace SecureMqtt.Testing;

public sealed partial class FaultProxy
{
    private CancellationTokenSource? _chaosStop;
    private Task _chaos = Task.CompletedTask;

    /// <summary>
    /// Starts injecting faults from <paramref name="mix"/> at random times, the gaps drawn from an exponential
    /// distribution with mean <paramref name="meanInterval"/> (a Poisson process), all from a generator seeded with
    /// <see cref="Seed"/>. One fault at a time: a stall lasts <see cref="FaultMix.StallDuration"/> and ends with a
    /// reset of the stalled connections, a fragmentation or delay period lasts its duration, then the next gap
    /// begins. Stalls hit only the connections open at that moment, so a client that notices can reconnect.
    /// Runs until <see cref="StopChaosAsync"/> or disposal.
    /// </summary>
    /// <param name="mix">The kinds and their weights.</param>
    /// <param name="meanInterval">The mean gap between faults.</param>
    public void StartChaos(FaultMix mix, TimeSpan meanInterval)
    {
        ArgumentNullException.ThrowIfNull(mix);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(meanInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mix.TotalWeight, nameof(mix));
        lock (_lock)
        {
            if (_chaosStop is not null)
            {
                throw new InvalidOperationException("Chaos is already running.");
            }

            _chaosStop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            _chaos = RunChaosAsync(mix, meanInterval, _chaosStop.Token);
        }
    }

    /// <summary>Stops the chaos schedule and undoes a fault it left in progress (a stall is reset, a period ended).</summary>
    public async Task StopChaosAsync()
    {
        CancellationTokenSource? stop;
        Task chaos;
        lock (_lock)
        {
            (stop, _chaosStop) = (_chaosStop, null);
            chaos = _chaos;
        }

        if (stop is null)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await chaos.ConfigureAwait(false);
        stop.Dispose();
    }

    private async Task RunChaosAsync(FaultMix mix, TimeSpan meanInterval, CancellationToken token)
    {
        // Leave the caller's thread before the first wait, so StartChaos returns at once.
        await Task.Yield();
        var random = new Random(Seed);
        List<Link> stalled = [];
        var period = false;
        try
        {
            while (!token.IsCancellationRequested)
            {
                // Capped at ten means, so one unlucky draw cannot leave a short test run without any fault.
                var gap = Math.Min(-Math.Log(1 - random.NextDouble()), 10) * meanInterval;
                await Task.Delay(gap, token).ConfigureAwait(false);
                switch (mix.Pick(random.Next(mix.TotalWeight)))
                {
                    case FaultKind.Close:
                        CutAll();
                        break;
                    case FaultKind.Reset:
                        ResetAll();
                        break;
                    case FaultKind.Stall:
                        stalled = StallOpenLinks();
                        Record(FaultKind.Stall);
                        await Task.Delay(mix.StallDuration, token).ConfigureAwait(false);
                        stalled.ForEach(l => l.Close(reset: true));
                        stalled = [];
                        break;
                    case FaultKind.Fragmentation:
                        period = true;
                        Fragment(ProxyDirection.Both);
                        await Task.Delay(mix.FragmentationDuration, token).ConfigureAwait(false);
                        Fragment(ProxyDirection.None);
                        period = false;
                        break;
                    case FaultKind.Delay:
                        period = true;
                        Delay(ProxyDirection.Both, TimeSpan.Zero, mix.MaximumDelay);
                        await Task.Delay(mix.DelayDuration, token).ConfigureAwait(false);
                        Delay(ProxyDirection.None, TimeSpan.Zero);
                        period = false;
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped; undo below what was in progress.
        }
        finally
        {
            stalled.ForEach(l => l.Close(reset: true));
            if (period)
            {
                _fragment = ProxyDirection.None;
                _delay = null;
            }
        }
    }
}
