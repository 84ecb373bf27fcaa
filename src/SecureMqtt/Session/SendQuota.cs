using System.Threading.Tasks.Sources;

namespace SecureMqtt.Session;

/// <summary>
/// The broker's Receive Maximum as a counting gate: at most that many QoS 1/2 PUBLISH packets are
/// unacknowledged at once [MQTT-3.3.4-7]. Publishers beyond it wait in order (nothing is dropped).
/// </summary>
internal sealed class SendQuota(int maximum)
{
    // Waiters are kept for reuse, so a publisher that waits for a slot allocates none in the steady state; enough for
    // a window of publishers well beyond Mosquitto's default Receive Maximum (each is some 100 bytes).
    private const int PooledWaiters = 1024;

    private readonly Lock _lock = new();
    private readonly Stack<QuotaWaiter> _pool = new();
    private QuotaWaiter? _head;
    private QuotaWaiter? _tail;
    private int _waiting;
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
                return _waiting;
            }
        }
    }

    /// <summary>Takes a slot if one is free and nobody waits for one; never waits.</summary>
    public bool TryAcquire()
    {
        lock (_lock)
        {
            if (_failure is null && _available > 0 && _head is null)
            {
                _available--;
                return true;
            }

            return false;
        }
    }

    /// <summary>Takes a slot, waiting in order behind earlier waiters when none is free. Await the result once.</summary>
    public ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        QuotaWaiter waiter;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return ValueTask.FromException(_failure);
            }

            if (_available > 0 && _head is null)
            {
                _available--;
                return ValueTask.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            waiter = _pool.TryPop(out var pooled) ? pooled : new QuotaWaiter(this);
            waiter.Reset();
            Enqueue(waiter);

            // Registered under the lock, so no Release can complete (and recycle) the waiter before its registration
            // is in place for GetResult to dispose. A token cancelled meanwhile runs the callback right here; the lock
            // lets this thread in again.
            waiter.WatchCancellation(cancellationToken);
            return new ValueTask(waiter, waiter.Version);
        }
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
        QuotaWaiter? next = null;
        lock (_lock)
        {
            if (_available >= 0 && _head is { } first)
            {
                // Hand the slot straight to the oldest waiter.
                Unlink(first);
                next = first;
            }
            else
            {
                _available++;
            }
        }

        next?.Complete(null);
    }

    public void Fail(Exception reason)
    {
        List<QuotaWaiter> waiters = [];
        lock (_lock)
        {
            _failure ??= reason;
            while (_head is { } first)
            {
                Unlink(first);
                waiters.Add(first);
            }
        }

        waiters.ForEach(w => w.Complete(reason));
    }

    /// <summary>A cancelled wait leaves the queue without a slot; false when a slot was handed to it first.</summary>
    private bool TryCancel(QuotaWaiter waiter)
    {
        lock (_lock)
        {
            if (!waiter.Queued)
            {
                return false;
            }

            Unlink(waiter);
            return true;
        }
    }

    private void Return(QuotaWaiter waiter)
    {
        lock (_lock)
        {
            if (_pool.Count < PooledWaiters)
            {
                _pool.Push(waiter);
            }
        }
    }

    private void Enqueue(QuotaWaiter waiter)
    {
        waiter.Queued = true;
        waiter.Previous = _tail;
        waiter.Next = null;
        if (_tail is null)
        {
            _head = waiter;
        }
        else
        {
            _tail.Next = waiter;
        }

        _tail = waiter;
        _waiting++;
    }

    private void Unlink(QuotaWaiter waiter)
    {
        if (waiter.Previous is null)
        {
            _head = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            _tail = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }

        waiter.Previous = waiter.Next = null;
        waiter.Queued = false;
        _waiting--;
    }

    /// <summary>
    /// One publisher's wait for a slot: a node of the quota's queue (so that a cancelled wait leaves it in O(1)) and the
    /// value task source the publisher awaits, back in the quota's pool once that await has read its result.
    /// </summary>
    private sealed class QuotaWaiter(SendQuota quota) : IValueTaskSource
    {
        // Continuations run on the thread pool, as the task completion sources before did: Release is called from the
        // read loop, which must not run the publisher's code.
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
        private CancellationTokenRegistration _registration;
        private CancellationToken _token;

        public QuotaWaiter? Previous { get; set; }

        public QuotaWaiter? Next { get; set; }

        /// <summary>In the queue (guarded by the quota's lock).</summary>
        public bool Queued { get; set; }

        public short Version => _core.Version;

        public void Reset() => _core.Reset();

        public void WatchCancellation(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _token = cancellationToken;
                _registration = cancellationToken.UnsafeRegister(static state =>
                {
                    var waiter = (QuotaWaiter)state!;
                    if (waiter.Quota.TryCancel(waiter))
                    {
                        waiter.Complete(new OperationCanceledException(waiter._token));
                    }
                }, this);
            }
        }

        public void Complete(Exception? error)
        {
            if (error is null)
            {
                _core.SetResult(true);
            }
            else
            {
                _core.SetException(error);
            }
        }

        private SendQuota Quota => quota;

        public void GetResult(short token)
        {
            try
            {
                _core.GetResult(token);
            }
            finally
            {
                // Read once (the contract of a ValueTask): the waiter can serve the next publisher.
                _registration.Dispose();
                _registration = default;
                _token = default;
                quota.Return(this);
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
