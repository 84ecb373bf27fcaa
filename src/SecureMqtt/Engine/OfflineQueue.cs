using SecureMqtt.Session;

namespace SecureMqtt.Engine;

/// <summary>A message waiting for a connection, with the waiter its publisher awaits.</summary>
internal sealed class QueuedPublish(MqttMessage message, PublishWaiter completion, long size)
{
    public MqttMessage Message { get; } = message;

    public PublishWaiter Completion { get; } = completion;

    public long Size { get; } = size;

    /// <summary>The node while queued; null once taken or removed.</summary>
    public LinkedListNode<QueuedPublish>? Node { get; set; }

    public CancellationTokenRegistration Cancellation { get; set; }

    /// <summary>Its place in the durable store's queue; null when it is not stored (QoS 0, or no durable queue).</summary>
    public long? StoreSequence { get; set; }

    /// <summary>
    /// Whether its stored row is known to be committed (saved and awaited, or loaded from the store), so that a crash
    /// keeps it whatever happens next. False for a row written again without waiting (<see cref="OfflineQueue.PrependRange"/>).
    /// </summary>
    public bool StoredDurably { get; set; }
}

/// <summary>
/// The messages published while there was no connection, in publish order, bounded by count and bytes. A full
/// queue makes publishers wait or fail (<see cref="MqttOfflineQueueFullMode"/>); nothing in it is ever dropped.
/// Messages whose flights the broker forgot are put back at the front, ahead of everything published later, and
/// may exceed the bounds: they were accepted already.
/// With a <paramref name="store"/>, QoS 1/2 messages are written to it before their publish is accepted (a crash
/// keeps them for the next client over the store); QoS 0 messages are not, as they may be lost by definition.
/// Leaving the queue to be sent, a message becomes a flight in one store step (see
/// <see cref="IMqttSessionStore.MoveQueuedToOutgoingAsync"/>); failing every publisher (the client was closed or
/// gave up) leaves the stored messages in place, for the next client over the store.
/// </summary>
internal sealed class OfflineQueue(MqttOfflineQueueOptions options, IMqttSessionStore? store = null, string clientId = "")
{
    private readonly Lock _lock = new();
    private readonly LinkedList<QueuedPublish> _items = new();
    private readonly LinkedList<TaskCompletionSource> _spaceWaiters = new();
    private long _bytes;
    private int _count;
    private long _nextSequence = 1;

    /// <summary>Messages queued; read without the lock on every publish (a stale read only sends one more message through the queue).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether QoS 1/2 messages are saved in a session store (<see cref="StoreAcceptedAsync"/> saves them).</summary>
    public bool IsDurable => store is not null;

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
                    if (store is not null && item.Message.QualityOfService != Packets.MqttQualityOfService.AtMostOnce)
                    {
                        // A message stored before it waited for a slot (StoreAcceptedAsync) keeps its row.
                        item.StoreSequence ??= _nextSequence++;
                    }

                    break;
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

        if (item.StoreSequence is { } sequence)
        {
            try
            {
                // Accepted only once stored: a publish that returned survives a crash (at the store's durability).
                await store!.SaveQueuedAsync(clientId, sequence, item.Message, cancellationToken).ConfigureAwait(false);
                item.StoredDurably = true;
            }
            catch
            {
                Remove(item);
                throw;
            }
        }
    }

    /// <summary>
    /// Stores a QoS 1 message that is about to be published on a live connection before it waits for an in-flight
    /// slot, and returns its place in the stored queue (null without a durable store). Its PUBLISH may then go out as
    /// soon as it has a slot, without waiting for another commit (see <see cref="MqttSessionState.BeginPublishAsync(MqttMessage, PublishWaiter, CancellationToken, long?, bool)"/>):
    /// the saves of every publisher waiting for a slot share one commit, where saving after taking the slot made each
    /// slot's turn cost a commit, which bounded throughput at a small Receive Maximum.
    /// </summary>
    public async ValueTask<long?> StoreAcceptedAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        if (store is null || message.QualityOfService == Packets.MqttQualityOfService.AtMostOnce)
        {
            return null;
        }

        long sequence;
        lock (_lock)
        {
            sequence = _nextSequence++;
        }

        // Not cancelled half-way: whether the row exists must be known, to remove it when the publisher gives up.
        await store.SaveQueuedAsync(clientId, sequence, message, CancellationToken.None).ConfigureAwait(false);
        if (cancellationToken.IsCancellationRequested)
        {
            ForgetStored(sequence);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return sequence;
    }

    /// <summary>Removes a stored row of <see cref="StoreAcceptedAsync"/> whose message will not be sent (its publisher failed or gave up).</summary>
    public void ForgetStored(long sequence)
    {
        if (store is not null)
        {
            Observe(store.RemoveQueuedAsync(clientId, sequence, CancellationToken.None));
        }
    }

    /// <summary>Puts the messages a durable store kept (from a process that died) at the front, before anything new.</summary>
    public void Restore(IReadOnlyList<MqttQueuedMessage> stored)
    {
        List<QueuedPublish> items = [];
        foreach (var s in stored)
        {
            // Nobody of this process waits for these: their publisher died with the process that accepted them.
            items.Add(new QueuedPublish(s.Message, new PublishWaiter(), SizeOf(s.Message))
            {
                StoreSequence = s.Sequence,
                StoredDurably = true,
            });
        }

        lock (_lock)
        {
            if (items.Count > 0)
            {
                _nextSequence = Math.Max(_nextSequence, stored.Max(s => s.Sequence) + 1);
            }
        }

        PrependRange(items, persist: false);
    }

    /// <summary>
    /// Puts messages back at the front in their order, beyond the bounds if need be. A stored one is written again
    /// (<paramref name="persist"/>): it may have left the store as a flight that was then taken back.
    /// </summary>
    public void PrependRange(IReadOnlyList<QueuedPublish> items, bool persist = true)
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

        if (persist && store is not null)
        {
            foreach (var item in items)
            {
                if (item.StoreSequence is { } sequence)
                {
                    item.StoredDurably = false;
                    Observe(store.SaveQueuedAsync(clientId, sequence, item.Message, CancellationToken.None));
                }
            }
        }
    }

    /// <summary>The message will not be sent (refused, or its publisher gave up): it leaves the store too.</summary>
    public void Forget(QueuedPublish item)
    {
        if (item.StoreSequence is { } sequence)
        {
            ForgetStored(sequence);
        }
    }

    // Not awaited (callers are synchronous and must not wait for a disk): a failed removal leaves the message stored,
    // so at worst it is sent once more by a later process, never lost; the store reports its failures itself.
    private static void Observe(ValueTask pending)
    {
        if (pending.IsCompletedSuccessfully)
        {
            return;
        }

        _ = pending.AsTask().ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The oldest message, left in place until <see cref="Remove"/>: publishers see the queue busy meanwhile.</summary>
    public QueuedPublish? Peek()
    {
        lock (_lock)
        {
            return _items.First?.Value;
        }
    }

    /// <summary>Removes a message whose publisher gave up (in memory and in the store); false when it was no longer queued.</summary>
    public bool Remove(QueuedPublish item)
    {
        if (!Take(item))
        {
            return false;
        }

        Forget(item);
        return true;
    }

    /// <summary>
    /// Takes a message out to send it; false when it was no longer queued. It stays in the store until it becomes a
    /// flight there (or <see cref="Forget"/>).
    /// </summary>
    public bool Take(QueuedPublish item)
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
            item.Completion.TrySetException(reason);
        }

        woken.ForEach(w => w.TrySetResult());
    }
}
