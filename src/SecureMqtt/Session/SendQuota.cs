namespace SecureMqtt.Session;

/// <summary>
/// The broker's Receive Maximum as a counting gate: at most that many QoS 1/2 PUBLISH packets are
/// unacknowledged at once [MQTT-3.3.4-7]. Publishers beyond it wait in order (nothing is dropped).
/// </summary>
internal sealed class SendQuota(int maximum)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private int _available = maximum;
    private Exception? _failure;

    /// <summary>The most messages in flight at once on this connection.</summary>
    public int Maximum { get; } = maximum;

    public int Available
    {
        get
        {
            lock (_lock)
            {
                return _available;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>Takes a slot if one is free and nobody waits for one; never waits.</summary>
    public bool TryAcquire()
    {
        lock (_lock)
        {
            if (_failure is null && _available > 0 && _waiters.Count == 0)
            {
                _available--;
                return true;
            }

            return false;
        }
    }

    public ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return ValueTask.FromException(_failure);
            }

            if (_available > 0 && _waiters.Count == 0)
            {
                _available--;
                return ValueTask.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            node = _waiters.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        return WaitAsync(node, cancellationToken);
    }

    /// <summary>Counts flights that are already in flight (retransmitted on resume), even beyond the maximum.</summary>
    public void ForceAcquire(int count)
    {
        lock (_lock)
        {
            _available -= count;
        }
    }

    public void Release()
    {
        TaskCompletionSource? next = null;
        lock (_lock)
        {
            if (_available >= 0 && _waiters.First is { } first)
            {
                // Hand the slot straight to the oldest waiter.
                _waiters.RemoveFirst();
                next = first.Value;
            }
            else
            {
                _available++;
            }
        }

        next?.TrySetResult();
    }

    public void Fail(Exception reason)
    {
        List<TaskCompletionSource> waiters;
        lock (_lock)
        {
            _failure ??= reason;
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        waiters.ForEach(w => w.TrySetException(reason));
    }

    private async ValueTask WaitAsync(LinkedListNode<TaskCompletionSource> node, CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(() =>
        {
            bool removed;
            lock (_lock)
            {
                removed = node.List is not null;
                if (removed)
                {
                    _waiters.Remove(node);
                }
            }

            if (removed)
            {
                node.Value.TrySetCanceled(cancellationToken);
            }
        }).ConfigureAwait(false);
        await node.Value.Task.ConfigureAwait(false);
    }
}
