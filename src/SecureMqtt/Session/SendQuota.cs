using System.Threading.Tasks.Sources;

namespace SecureMqtt.Session;

/// <summary>
/// The broker's Receive Maximum as a counting gate: at most that many QoS 1/2 PUBLISH packets are
/// unacknowledged at once [MQTT-3.3.4-7]. Publishers beyond it wait in order (nothing is dropped).
/// </summary>
/// <remarks>
/// Each slot comes with a ticket, numbered in the order the slots were taken, and the PUBLISH packets go into the
/// output buffer in ticket order (<see cref="IsTurn"/>, <see cref="WaitTurnAsync"/>, <see cref="EndTurn"/>). A slot
/// handed to a waiter is only used once that waiter's continuation runs on the thread pool; without the turns, a
/// later publish that found the next released slot free could write first, and the broker would forward the
/// messages out of the order they were published in.
/// </remarks>
internal sealed class SendQuota(int maximum)
{
    // Waiters are kept for reuse, so a publisher that waits for a slot allocates none in the steady state; enough for
    // a window of publishers well beyond Mosquitto's default Receive Maximum (each is some 100 bytes).
    private const int PooledWaiters = 1024;

    private readonly Lock _lock = new();
    private readonly Stack<QuotaWaiter> _pool = new();
    private readonly HashSet<long> _endedEarly = [];
    private readonly Dictionary<long, QuotaWaiter> _turnWaiters = [];
    private QuotaWaiter? _head;
    private QuotaWaiter? _tail;
    private int _waiting;
    private int _available = maximum;
    private Exception? _failure;

    // The next ticket to hand out, and the ticket whose PUBLISH goes into the output buffer next. Tickets given up
    // before their turn (a flight that failed before its write) wait in _endedEarly until the turn passes them;
    // _turnWaiters are the holders waiting for their turn, by ticket.
    private long _nextTicket;
    private long _turn;

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

    /// <summary>Takes a slot and its ticket if one is free and nobody waits for one; never waits.</summary>
    public bool TryAcquire(out long ticket)
    {
        lock (_lock)
        {
            if (_failure is null && _available > 0 && _head is null)
            {
                _available--;
                ticket = _nextTicket++;
                return true;
            }

            ticket = -1;
            return false;
        }
    }

    /// <summary>
    /// Takes a slot, waiting in order behind earlier waiters when none is free, and returns its ticket. Await the
    /// result once.
    /// </summary>
    public ValueTask<long> AcquireAsync(CancellationToken cancellationToken)
    {
        QuotaWaiter waiter;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return ValueTask.FromException<long>(_failure);
            }

            if (_available > 0 && _head is null)
            {
                _available--;
                return new ValueTask<long>(_nextTicket++);
            }

            cancellationToken.ThrowIfCancellationRequested();
            waiter = _pool.TryPop(out var pooled) ? pooled : new QuotaWaiter(this);
            waiter.Reset();
            Enqueue(waiter);

            // Registered under the lock, so no Release can complete (and recycle) the waiter before its registration
            // is in place for GetResult to dispose. A token cancelled meanwhile runs the callback right here; the lock
            // lets this thread in again.
            waiter.WatchCancellation(cancellationToken);
            return new ValueTask<long>(waiter, waiter.Version);
        }
    }

    /// <summary>Whether the holder of <paramref name="ticket"/> may write its PUBLISH now (always, once the quota failed).</summary>
    public bool IsTurn(long ticket)
    {
        lock (_lock)
        {
            return _failure is not null || ticket == _turn;
        }
    }

    /// <summary>
    /// Completes when the PUBLISH packets of every earlier ticket are written (or given up), or when the quota failed:
    /// then the write meets the failed connection, as any other does. Never throws. Await the result once.
    /// </summary>
    public ValueTask WaitTurnAsync(long ticket)
    {
        lock (_lock)
        {
            if (_failure is not null || ticket == _turn)
            {
                return ValueTask.CompletedTask;
            }

            var waiter = _pool.TryPop(out var pooled) ? pooled : new QuotaWaiter(this);
            waiter.Reset();
            _turnWaiters.Add(ticket, waiter);
            return new ValueTask(waiter, waiter.Version);
        }
    }

    /// <summary>
    /// The holder of <paramref name="ticket"/> has put its PUBLISH into the output buffer (its place there is taken),
    /// or gave its flight up before writing; the next ticket's turn comes.
    /// </summary>
    public void EndTurn(long ticket)
    {
        QuotaWaiter? next;
        lock (_lock)
        {
            if (ticket != _turn)
            {
                _endedEarly.Add(ticket);
                return;
            }

            _turn++;
            while (_endedEarly.Remove(_turn))
            {
                _turn++;
            }

            if (!_turnWaiters.Remove(_turn, out next))
            {
                return;
            }
        }

        next.Complete(null);
    }

    /// <summary>A flight that took a slot ends before its PUBLISH was written: its turn passes and its slot is free again.</summary>
    public void Abandon(long ticket)
    {
        EndTurn(ticket);
        Release();
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
                // Hand the slot straight to the oldest waiter; its ticket is numbered now, so it writes before any
                // publisher that takes a slot after it.
                Unlink(first);
                first.Ticket = _nextTicket++;
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
        List<QuotaWaiter> turns;
        lock (_lock)
        {
            _failure ??= reason;
            while (_head is { } first)
            {
                Unlink(first);
                waiters.Add(first);
            }

            turns = [.. _turnWaiters.Values];
            _turnWaiters.Clear();
        }

        waiters.ForEach(w => w.Complete(reason));
        turns.ForEach(w => w.Complete(null));
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
    /// One publisher's wait for a slot (a node of the quota's queue, so that a cancelled wait leaves it in O(1)) or
    /// for its turn to write: the value task source the publisher awaits, back in the quota's pool once that await
    /// has read its result.
    /// </summary>
    private sealed class QuotaWaiter(SendQuota quota) : IValueTaskSource<long>, IValueTaskSource
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

        /// <summary>The ticket of the slot handed to this waiter (set under the quota's lock before it completes).</summary>
        public long Ticket { get; set; }

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

        void IValueTaskSource.GetResult(short token) => GetResult(token);

        public long GetResult(short token)
        {
            try
            {
                _core.GetResult(token);
                return Ticket;
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
