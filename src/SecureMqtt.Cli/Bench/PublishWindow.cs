using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace SecureMqtt.Cli.Bench;

/// <summary>
/// The QoS 1/2 publishes one bench client keeps in flight: a fixed set of slots, each with its own payload buffer (a
/// QoS 1/2 message's payload must stay as it is until acknowledged), taken for a publish and given back when it
/// completes. Nothing is allocated per message, so the bench's bytes per message are the client's own, and each
/// publish is recorded when it completes, not when the loop comes round to it, so publish latencies stay exact.
/// </summary>
internal sealed class PublishWindow : IValueTaskSource
{
    private readonly Stack<Slot> _free;
    private readonly int _capacity;
    private readonly Action<MqttPublishResult, long> _completed;
    private readonly Action<Exception> _failed;
    private readonly Lock _lock = new();

    // The loop's wait for a free slot: one waiter at a time, completed inline by the publish that frees one.
    private ManualResetValueTaskSourceCore<bool> _freed;
    private bool _waiting;

    /// <param name="capacity">Publishes in flight at most.</param>
    /// <param name="payloadSize">Bytes of each slot's payload buffer.</param>
    /// <param name="completed">Records a completed publish and the timestamp it started at.</param>
    /// <param name="failed">Records a publish that threw.</param>
    public PublishWindow(int capacity, int payloadSize, Action<MqttPublishResult, long> completed, Action<Exception> failed)
    {
        _capacity = capacity;
        _completed = completed;
        _failed = failed;
        _free = new Stack<Slot>(capacity);
        for (var i = 0; i < capacity; i++)
        {
            _free.Push(new Slot(this, payloadSize));
        }
    }

    /// <summary>A free slot, waiting for one when all are in flight (a pooled state machine: no allocation per wait).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Slot> TakeAsync()
    {
        while (true)
        {
            lock (_lock)
            {
                if (_free.TryPop(out var slot))
                {
                    return slot;
                }

                _freed.Reset();
                _waiting = true;
            }

            await new ValueTask(this, _freed.Version).ConfigureAwait(false);
        }
    }

    /// <summary>Follows <paramref name="publish"/> (started with <paramref name="slot"/>'s buffer); the slot comes back when it completes.</summary>
    public static void Track(Slot slot, ValueTask<MqttPublishResult> publish)
    {
        slot.Awaiter = publish.ConfigureAwait(false).GetAwaiter();
        if (slot.Awaiter.IsCompleted)
        {
            slot.OnCompleted();
        }
        else
        {
            slot.Awaiter.UnsafeOnCompleted(slot.Continuation);
        }
    }

    /// <summary>Waits until every publish in flight has completed; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        try
        {
            await TakeAllAsync().WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    // Holding every slot means no publish is in flight; the loop has stopped taking them by now.
    private async Task TakeAllAsync()
    {
        for (var i = 0; i < _capacity; i++)
        {
            await TakeAsync().ConfigureAwait(false);
        }
    }

    private void Give(Slot slot)
    {
        bool wake;
        lock (_lock)
        {
            _free.Push(slot);
            wake = _waiting;
            _waiting = false;
        }

        if (wake)
        {
            _freed.SetResult(true);
        }
    }

    void IValueTaskSource.GetResult(short token) => _freed.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _freed.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _freed.OnCompleted(continuation, state, token, flags);

    /// <summary>One publish's buffer and start time, and the continuation (made once) that records it.</summary>
    internal sealed class Slot
    {
        private readonly PublishWindow _window;

        public Slot(PublishWindow window, int payloadSize)
        {
            _window = window;
            Buffer = new byte[payloadSize];
            Continuation = OnCompleted;
        }

        public byte[] Buffer { get; }

        public long Start { get; set; }

        internal ConfiguredValueTaskAwaitable<MqttPublishResult>.ConfiguredValueTaskAwaiter Awaiter;

        internal Action Continuation { get; }

        internal void OnCompleted()
        {
            try
            {
                // Runs once the publish has completed (Track's check or its continuation): GetResult does not block.
#pragma warning disable VSTHRD002
                _window._completed(Awaiter.GetResult(), Start);
#pragma warning restore VSTHRD002
            }
#pragma warning disable CA1031 // Whatever a publish threw is the bench's error count, not a crash on a pool thread.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _window._failed(ex);
            }
            finally
            {
                Awaiter = default;
                _window.Give(this);
            }
        }
    }
}
