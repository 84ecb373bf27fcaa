using System.Threading.Tasks.Sources;

namespace SecureMqtt.Cli.Bench;

/// <summary>
/// The pong a lat round trip waits for: one reusable value-task source, so that waiting allocates nothing per round
/// trip and the bench's B/round trip is the client's own. Armed with the sequence number it expects; completed
/// once, by the matching pong (with its arrival timestamp) or by a failure (timeout, Ctrl-C), whichever is first.
/// </summary>
internal sealed class RoundTripSignal : IValueTaskSource<long>
{
    // Continuations off the receiving thread: the pinger's next publish must not run inside the pong's handler.
    private ManualResetValueTaskSourceCore<long> _core = new() { RunContinuationsAsynchronously = true };
    private long _expected = -1;
    private int _armed;

    /// <summary>The sequence number the armed round trip expects (for payloads too short to carry one).</summary>
    public long Expected => Volatile.Read(ref _expected);

    /// <summary>Starts waiting for <paramref name="sequence"/>'s pong; the previous wait must be over.</summary>
    public ValueTask<long> ExpectAsync(long sequence)
    {
        _core.Reset();
        Volatile.Write(ref _expected, sequence);
        Volatile.Write(ref _armed, 1);
        return new ValueTask<long>(this, _core.Version);
    }

    /// <summary>Completes the wait with the pong's arrival timestamp; false for a pong nobody waits for.</summary>
    public bool TryComplete(long sequence, long arrivedTimestamp)
    {
        if (sequence != Volatile.Read(ref _expected) || Interlocked.Exchange(ref _armed, 0) != 1)
        {
            return false;
        }

        _core.SetResult(arrivedTimestamp);
        return true;
    }

    /// <summary>Fails the wait, if one is armed.</summary>
    public bool TryFail(Exception error)
    {
        if (Interlocked.Exchange(ref _armed, 0) != 1)
        {
            return false;
        }

        _core.SetException(error);
        return true;
    }

    long IValueTaskSource<long>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<long>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<long>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
