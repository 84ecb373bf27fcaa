using System.Threading.Tasks.Sources;
using SecureMqtt.Packets;

namespace SecureMqtt.Session;

/// <summary>
/// A publisher's wait for the end of its QoS 1/2 flow, the source behind the <see cref="ValueTask{TResult}"/> that
/// <see cref="MqttClient.PublishAsync(MqttMessage, CancellationToken)"/> returns. Completed once (acknowledgement,
/// failure or the publisher's own cancellation, whichever comes first; later attempts are ignored), awaited once.
/// </summary>
/// <remarks>
/// Waiters rented from a <see cref="PublishWaiterPool"/> are used again once both sides are done with them: the
/// publisher has read the result, and the session ended the flow with an acknowledgement and dropped the flight
/// (<see cref="ReleaseBySession"/>). A waiter that went anywhere else (a connection loss failed it, a session
/// start carried it over, a queue took it) is <see cref="Detach">detached</see> and left to the garbage collector,
/// so no holder the session did not account for can ever see it again under another publish.
/// </remarks>
internal sealed class PublishWaiter : IValueTaskSource<MqttPublishResult>
{
    private static readonly MqttMessage s_noMessage = new() { Topic = string.Empty };

    private readonly PublishWaiterPool? _pool;
    private ManualResetValueTaskSourceCore<MqttPublishResult> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private int _completed;
    private int _releases;
    private bool _detached;

    // The message of a topic-and-payload publish, made once per waiter and reused with it. It lives exactly as long
    // as the waiter's flow: a waiter goes back to the pool only when the session ended that flow and dropped the
    // flight, and one whose message went anywhere else is detached and never reused, so a message is refilled only
    // once nothing refers to it.
    private MqttMessage? _message;

    // The flight of this waiter's flow, and its QoS 2 successor after PUBREC, reused the same way with the in-memory
    // store, which lets go of a flight when it is removed (MqttSessionState only asks for them then).
    private MqttOutgoingFlight? _flight;
    private MqttOutgoingFlight? _released;

    /// <summary>A waiter of its own, never reused.</summary>
    public PublishWaiter()
    {
    }

    internal PublishWaiter(PublishWaiterPool pool) => _pool = pool;

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public bool TrySetResult(MqttPublishResult result)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        _core.SetResult(result);
        return true;
    }

    public bool TrySetException(Exception error)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        _core.SetException(error);
        return true;
    }

    public bool TrySetCanceled(CancellationToken cancellationToken) => TrySetException(new TaskCanceledException(null, null, cancellationToken));

    /// <summary>
    /// The publisher's wait, once per waiter. <paramref name="cancellationToken"/> ends only the wait: the flow goes on,
    /// as with a task's WaitAsync.
    /// </summary>
    public ValueTask<MqttPublishResult> WaitAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled && !IsCompleted)
        {
            _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PublishWaiter)state!).TrySetCanceled(token), this);
        }

        return new ValueTask<MqttPublishResult>(this, _core.Version);
    }

    /// <summary>This waiter's own message, now with <paramref name="topic"/>, <paramref name="payload"/>, QoS and retain (see <c>_message</c>).</summary>
    public MqttMessage OwnMessage(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qualityOfService, bool retain)
    {
        var message = _message ??= new MqttMessage { Topic = topic };
        message.ResetForPublish(topic, payload, qualityOfService, retain);
        return message;
    }

    /// <summary>
    /// The flight for the flow this waiter answers. A waiter that is not pooled, or detached (its message went to a
    /// queue or a new session and is being published again), gets a new one: its earlier flight may still be held.
    /// </summary>
    public MqttOutgoingFlight OwnFlight(ushort packetId, MqttMessage message, MqttOutgoingFlightState state)
    {
        if (_pool is null || Volatile.Read(ref _detached))
        {
            return new MqttOutgoingFlight(packetId, message, state);
        }

        return _flight is null ? _flight = new MqttOutgoingFlight(packetId, message, state) : _flight.Refill(packetId, message, state);
    }

    /// <summary>The QoS 2 flight after PUBREC, <paramref name="begun"/> moved on to AwaitingPubComp (the store gets it in begun's place).</summary>
    public MqttOutgoingFlight OwnFlightAfterPubRec(MqttOutgoingFlight begun)
    {
        if (_pool is null || Volatile.Read(ref _detached) || !ReferenceEquals(begun, _flight))
        {
            return begun with { State = MqttOutgoingFlightState.AwaitingPubComp };
        }

        return _released is null
            ? _released = begun with { State = MqttOutgoingFlightState.AwaitingPubComp }
            : _released.Refill(begun.PacketId, begun.Message, MqttOutgoingFlightState.AwaitingPubComp);
    }

    /// <summary>Taken somewhere the session does not follow it: never reused.</summary>
    public void Detach() => Volatile.Write(ref _detached, true);

    /// <summary>The session ended the flow and holds the waiter no more.</summary>
    public void ReleaseBySession() => Release();

    public MqttPublishResult GetResult(short token)
    {
        // A stale token or a result read before completion is refused by the core and must not count as the read.
        var reading = token == _core.Version && _core.GetStatus(token) != ValueTaskSourceStatus.Pending;
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            if (reading)
            {
                // Waits for a cancellation callback already running, so none can touch the waiter after its reuse.
                _cancellation.Dispose();
                _cancellation = default;
                Release();
            }
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Release()
    {
        if (Interlocked.Increment(ref _releases) != 2 || _pool is null || Volatile.Read(ref _detached))
        {
            return;
        }

        _core.Reset();
        _releases = 0;

        // The application's message and payload are not kept alive by an idle waiter.
        _message?.ResetForPublish(string.Empty, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtMostOnce, retain: false);
        _flight?.Refill(0, s_noMessage, MqttOutgoingFlightState.AwaitingPubAck);
        _released?.Refill(0, s_noMessage, MqttOutgoingFlightState.AwaitingPubComp);
        Volatile.Write(ref _completed, 0);
        _pool.Return(this);
    }
}

/// <summary>Waiters for the publishes of one client, kept for reuse (see <see cref="PublishWaiter"/>).</summary>
internal sealed class PublishWaiterPool
{
    // More than any sensible number of publishes in flight at once; beyond it waiters are simply not kept.
    private const int Capacity = 1024;

    private readonly Lock _lock = new();
    private readonly Stack<PublishWaiter> _free = new();

    public PublishWaiter Rent()
    {
        lock (_lock)
        {
            if (_free.TryPop(out var waiter))
            {
                return waiter;
            }
        }

        return new PublishWaiter(this);
    }

    internal void Return(PublishWaiter waiter)
    {
        lock (_lock)
        {
            if (_free.Count < Capacity)
            {
                _free.Push(waiter);
            }
        }
    }
}
