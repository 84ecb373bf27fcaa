using System.Threading.Tasks.Sources;

namespace SecureMqtt.Engine;

/// <summary>
/// The dispatch loop's wait for a <see cref="MqttClient.ReadMessagesAsync"/> reader to be done with the one message
/// whose acknowledgement is owed (the reader asked for the next message, or stopped reading). One reusable source,
/// since the loop waits for one message at a time, so the wait allocates nothing. Armed with the message's dispatch
/// number; completed once: true by the reader done with that number, false when the last reader left without
/// taking it (or the client was disposed).
/// </summary>
internal sealed class ConsumedSignal : IValueTaskSource<bool>
{
    // Off the reader's thread: the dispatch loop, with the handlers it runs next, must not run inside MoveNextAsync.
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    // The dispatch number waited for; 0 when nothing is.
    private long _expected;

    /// <summary>The number waited for, or 0.</summary>
    public long Expected => Volatile.Read(ref _expected);

    /// <summary>Starts waiting for <paramref name="number"/>; the previous wait must be over.</summary>
    public void Arm(long number)
    {
        _core.Reset();
        Volatile.Write(ref _expected, number);
    }

    /// <summary>The message was not handed to a reader after all: nothing to wait for.</summary>
    public void Disarm(long number) => Interlocked.CompareExchange(ref _expected, 0, number);

    /// <summary>The wait armed last; awaited once.</summary>
    public ValueTask<bool> WaitAsync() => new(this, _core.Version);

    /// <summary>A reader is done with <paramref name="number"/>; false when nothing waits for it (any more).</summary>
    public bool TryComplete(long number)
    {
        if (number == 0 || Interlocked.CompareExchange(ref _expected, 0, number) != number)
        {
            return false;
        }

        _core.SetResult(true);
        return true;
    }

    /// <summary>Ends the wait without a reader having taken the message (the last reader left, or disposal).</summary>
    public bool TryAbandon()
    {
        var expected = Volatile.Read(ref _expected);
        if (expected == 0 || Interlocked.CompareExchange(ref _expected, 0, expected) != expected)
        {
            return false;
        }

        _core.SetResult(false);
        return true;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
