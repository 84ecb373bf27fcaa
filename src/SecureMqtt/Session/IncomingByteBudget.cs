namespace SecureMqtt.Session;

/// <summary>
/// Bounds the bytes of received messages that wait for the application, as the channel capacity bounds their
/// count: with 1 MiB packets allowed, a count alone would let a fast broker park a gigabyte in the queues. The
/// read loop (the only acquirer) waits for room, which stops reading from the socket: backpressure. A message
/// larger than the whole budget still passes when nothing else is queued, so it cannot wedge the connection.
/// </summary>
internal sealed class IncomingByteBudget(long capacity)
{
    private readonly Lock _lock = new();
    private long _used;
    private (long Size, TaskCompletionSource Signal)? _waiter;

    public long Used
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    /// <summary>
    /// What a queued message costs: its byte buffers and strings, plus a fixed allowance for the objects around them.
    /// A pure function of the message, so acquiring and releasing always agree.
    /// </summary>
    public static long SizeOf(MqttMessage message)
    {
        long size = 256 + message.Payload.Length + (message.Topic.Length * 2L);
        size += (message.ContentType?.Length ?? 0) * 2L + (message.ResponseTopic?.Length ?? 0) * 2L + (message.CorrelationData?.Length ?? 0);
        foreach (var p in message.UserProperties)
        {
            size += 32 + (p.Name.Length + p.Value.Length) * 2L;
        }

        return size + (message.SubscriptionIdentifiers.Count * 4L);
    }

    /// <summary>Takes <paramref name="size"/> bytes if they fit now.</summary>
    public bool TryAcquire(long size)
    {
        lock (_lock)
        {
            if (!Fits(size))
            {
                return false;
            }

            _used += size;
            return true;
        }
    }

    /// <summary>Takes <paramref name="size"/> bytes, waiting until released bytes make room. One caller at a time.</summary>
    public async ValueTask AcquireAsync(long size, CancellationToken cancellationToken)
    {
        TaskCompletionSource signal;
        lock (_lock)
        {
            if (Fits(size))
            {
                _used += size;
                return;
            }

            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = (size, signal);
        }

        try
        {
            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (_waiter is { } w && w.Signal == signal)
                {
                    _waiter = null;
                }
                else
                {
                    // Granted just as the wait was cancelled: give the bytes back.
                    _used -= size;
                }
            }

            throw;
        }
    }

    public void Release(long size)
    {
        TaskCompletionSource? granted = null;
        lock (_lock)
        {
            _used -= size;
            if (_waiter is { } w && Fits(w.Size))
            {
                _used += w.Size;
                _waiter = null;
                granted = w.Signal;
            }
        }

        granted?.TrySetResult();
    }

    private bool Fits(long size) => _used == 0 || _used + size <= capacity;
}
