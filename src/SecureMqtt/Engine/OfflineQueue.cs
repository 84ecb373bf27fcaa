namespace SecureMqtt.Engine;

/// <summary>A message waiting for a connection, with the task its publisher awaits.</summary>
internal sealed class QueuedPublish(MqttMessage message, TaskCompletionSource<MqttPublishResult> completion, long size)
{
    public MqttMessage Message { get; } = message;

    public TaskCompletionSource<MqttPublishResult> Completion { get; } = completion;

    public long Size { get; } = size;

    /// <summary>The node while queued; null once taken or removed.</summary>
    public LinkedListNode<QueuedPublish>? Node { get; set; }

    public CancellationTokenRegistration Cancellation { get; set; }
}

/// <summary>
/// The messages published while there was no connection, in publish order, bounded by count and bytes. A full
/// queue makes publishers wait or fail (<see cref="MqttOfflineQueueFullMode"/>); nothing in it is ever dropped.
/// Messages whose flights the broker forgot are put back at the front, ahead of everything published later, and
/// may exceed the bounds: they were accepted already.
/// </summary>
internal sealed class OfflineQueue(MqttOfflineQueueOptions options)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<QueuedPublish> _items = new();
    private readonly LinkedList<TaskCompletionSource> _spaceWaiters = new();
    private long _bytes;
    private int _count;

    /// <summary>Messages queued; read without the lock on every publish (a stale read only sends one more message through the queue).</summary>
    public int Count => Volatile.Read(ref _count);

    public static long SizeOf(MqttMessage message) => message.Payload.Length + (message.Topic.Length * 3L);

    /// <summary>Queues <paramref name="item"/> at the end, waiting for room (Wait mode) or failing (Fail mode) when full.</summary>
    public async ValueTask EnqueueAsync(QueuedPublish item, CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource space;
            lock (_lock)
            {
                // One message larger than the byte bound still passes into an empty queue, or it could never be sent.
                if (_items.Count < options.MaximumMessages && (_bytes + item.Size <= options.MaximumBytes || _items.Count == 0))
                {
                    item.Node = _items.AddLast(item);
                    _bytes += item.Size;
                    Volatile.Write(ref _count, _items.Count);
                    return;
                }

                if (options.FullMode == MqttOfflineQueueFullMode.Fail)
                {
                    throw new MqttOfflineQueueFullException(
                        $"The offline queue is full ({_items.Count} messages, {_bytes} bytes; OfflineQueue.MaximumMessages {options.MaximumMessages}, MaximumBytes {options.MaximumBytes}) " +
                        "while the client is not connected. Nothing was sent: publish again later, raise the bounds, or use FullMode Wait.");
                }

                space = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _spaceWaiters.AddLast(space);
            }

            try
            {
                await space.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                lock (_lock)
                {
                    _spaceWaiters.Remove(space);
                }

                throw;
            }
        }
    }

    /// <summary>Puts messages back at the front in their order, beyond the bounds if need be.</summary>
    public void PrependRange(IReadOnlyList<QueuedPublish> items)
    {
        lock (_lock)
        {
            for (var i = items.Count - 1; i >= 0; i--)
            {
                items[i].Node = _items.AddFirst(items[i]);
                _bytes += items[i].Size;
            }

            Volatile.Write(ref _count, _items.Count);
        }
    }

    /// <summary>The oldest message, left in place until <see cref="Remove"/>: publishers see the queue busy meanwhile.</summary>
    public QueuedPublish? Peek()
    {
        lock (_lock)
        {
            return _items.First?.Value;
        }
    }

    /// <summary>Removes a message (sent, failed, or its publisher gave up); false when it was no longer queued.</summary>
    public bool Remove(QueuedPublish item)
    {
        List<TaskCompletionSource> woken;
        lock (_lock)
        {
            if (item.Node is not { } node)
            {
                return false;
            }

            _items.Remove(node);
            item.Node = null;
            _bytes -= item.Size;
            Volatile.Write(ref _count, _items.Count);
            woken = [.. _spaceWaiters];
            _spaceWaiters.Clear();
        }

        item.Cancellation.Dispose();
        woken.ForEach(w => w.TrySetResult());
        return true;
    }

    /// <summary>Empties the queue, failing every publisher with <paramref name="reason"/> (the client gave up or was closed).</summary>
    public void FailAll(Exception reason)
    {
        List<QueuedPublish> items;
        List<TaskCompletionSource> woken;
        lock (_lock)
        {
            items = [.. _items];
            _items.Clear();
            _bytes = 0;
            Volatile.Write(ref _count, 0);
            woken = [.. _spaceWaiters];
            _spaceWaiters.Clear();
            foreach (var item in items)
            {
                item.Node = null;
            }
        }

        foreach (var item in items)
        {
            item.Cancellation.Dispose();
            _ = item.Completion.TrySetException(reason) ? item.Completion.Task.Exception : null;
        }

        woken.ForEach(w => w.TrySetResult());
    }
}
