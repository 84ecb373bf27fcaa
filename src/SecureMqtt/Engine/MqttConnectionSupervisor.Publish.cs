using System.Runtime.CompilerServices;
using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Engine;

internal sealed partial class MqttConnectionSupervisor
{
    private static readonly MqttPublishResult s_sentAtMostOnce = new() { ReasonCode = MqttReasonCode.Success };
    private int _draining;

    /// <summary>
    /// The connection a publish may use directly: connected, and nothing queued ahead of it (queued messages go
    /// first, so a publisher sees its messages leave in the order it published them).
    /// </summary>
    private MqttProtocolConnection? DirectConnection => Volatile.Read(ref _draining) == 0 && Queue.Count == 0 && _current is { IsAlive: true } c ? c : null;

    public ValueTask<MqttPublishResult> PublishAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        // On a connection, with nobody tracing, a publish is no async state machine and no task: QoS 0 completes once
        // buffered, QoS 1/2 returns the pooled waiter of its flight. Anything that has to wait (a slot, a store that
        // saves asynchronously, a full output buffer, a reconnect) takes the async path from where it stands.
        if (!MqttMetrics.ActivitySource.HasListeners() && DirectConnection is { } connection)
        {
            return message.QualityOfService == MqttQualityOfService.AtMostOnce
                ? PublishAtMostOnceDirectAsync(connection, message, cancellationToken)
                : PublishDirectAsync(connection, message, cancellationToken);
        }

        return PublishCoreAsync(message, cancellationToken);
    }

    /// <summary>
    /// The topic-and-payload overload: at QoS 0 on a connection it is written without a message object; at QoS 1/2
    /// with a free slot and the in-memory store, the message is the publish waiter's own, reused with it; otherwise
    /// it becomes a message and goes the usual way.
    /// </summary>
    public ValueTask<MqttPublishResult> PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qualityOfService, bool retain,
        CancellationToken cancellationToken)
    {
        if (MqttMetrics.ActivitySource.HasListeners() || DirectConnection is not { } connection)
        {
            return PublishAsync(new MqttMessage { Topic = topic, Payload = payload, QualityOfService = qualityOfService, Retain = retain }, cancellationToken);
        }

        if (qualityOfService != MqttQualityOfService.AtMostOnce)
        {
            // A waiter that did not end up carrying the flow is simply not used: it was never released, so it is never
            // pooled again with a message something else may still hold.
            // Only where flights are reused (the in-memory store): another store may hold or serialize the message later.
            var waiter = Session.ReusesFlights && connection.Quota.Available > 0 && !cancellationToken.IsCancellationRequested ? Session.RentWaiter() : null;
            return PublishDirectAsync(connection,
                waiter?.OwnMessage(topic, payload, qualityOfService, retain)
                    ?? new MqttMessage { Topic = topic, Payload = payload, QualityOfService = qualityOfService, Retain = retain },
                cancellationToken, waiter);
        }

        ValueTask written;
        try
        {
            ValidateTopic(topic, nameof(topic));
            connection.CheckAllowedAtMostOnce(topic, payload, retain);
            written = connection.WriteAtMostOnceAsync(topic, payload, retain, cancellationToken);
        }
#pragma warning disable CA1031 // Not swallowed: handed to the caller in the task, as the async path would.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ValueTask.FromException<MqttPublishResult>(ex);
        }

        if (written.IsCompletedSuccessfully)
        {
            written.GetAwaiter().GetResult();
            return new ValueTask<MqttPublishResult>(s_sentAtMostOnce);
        }

        // Only a write that has to wait needs the message: to be queued for the next connection if this one goes.
        return new ValueTask<MqttPublishResult>(AwaitAtMostOnceAsync(written, connection,
            new MqttMessage { Topic = topic, Payload = payload, Retain = retain }, cancellationToken));
    }

    private ValueTask<MqttPublishResult> PublishAtMostOnceDirectAsync(MqttProtocolConnection connection, MqttMessage message, CancellationToken cancellationToken)
    {
        ValueTask written;
        try
        {
            ValidateTopic(message);
            connection.CheckAllowed(message);
            written = connection.WritePublishAsync(message, 0, duplicate: false, cancellationToken);
        }
#pragma warning disable CA1031 // Not swallowed: handed to the caller in the task, as the async path would.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ValueTask.FromException<MqttPublishResult>(ex);
        }

        if (written.IsCompletedSuccessfully)
        {
            written.GetAwaiter().GetResult();
            return new ValueTask<MqttPublishResult>(s_sentAtMostOnce);
        }

        return new ValueTask<MqttPublishResult>(AwaitAtMostOnceAsync(written, connection, message, cancellationToken));
    }

    private async Task<MqttPublishResult> AwaitAtMostOnceAsync(ValueTask written, MqttProtocolConnection connection, MqttMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await written.ConfigureAwait(false);
            return s_sentAtMostOnce;
        }
        catch (MqttConnectionLostException) when (!connection.IsAlive && WillReconnect)
        {
            // The buffer failed before the packet was in it: not sent, so it waits for the next connection.
            return await PublishCoreAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// QoS 1/2 with a free slot: the same steps as <see cref="SendAsync"/>, taken synchronously while each completes at
    /// once (the usual case with the in-memory store), so the publisher gets the waiter itself as its value task.
    /// </summary>
    /// <param name="connection">The connection to send on.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <param name="rented">The waiter whose own message <paramref name="message"/> is, which then carries the flow.</param>
    private ValueTask<MqttPublishResult> PublishDirectAsync(MqttProtocolConnection connection, MqttMessage message, CancellationToken cancellationToken,
        PublishWaiter? rented = null)
    {
        try
        {
            ValidateTopic(message);
            connection.CheckAllowed(message);
        }
#pragma warning disable CA1031 // Not swallowed: handed to the caller in the task, as the async path would.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ValueTask.FromException<MqttPublishResult>(ex);
        }

        if (cancellationToken.IsCancellationRequested || !connection.Quota.TryAcquire(out var ticket))
        {
            return PublishCoreAsync(message, cancellationToken);
        }

        var waiter = rented ?? Session.RentWaiter();
        ValueTask<(ushort PacketId, long Epoch)> begun;
        try
        {
            begun = Session.BeginPublishAsync(message, waiter, cancellationToken);
        }
#pragma warning disable CA1031 // Not swallowed: handed to the caller in the task, as the async path would.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            connection.Quota.Abandon(ticket);
            return ValueTask.FromException<MqttPublishResult>(ex);
        }

        if (!begun.IsCompletedSuccessfully)
        {
            return new ValueTask<MqttPublishResult>(ContinueDirectAsync(connection, message, waiter, begun, ticket, cancellationToken));
        }

#pragma warning disable VSTHRD103 // Completed successfully (checked above): reading it does not block.
        var (packetId, epoch) = begun.Result;
#pragma warning restore VSTHRD103
        var written = StartWriteAsync(connection, message, packetId, ticket, cancellationToken);
        if (written.IsCompletedSuccessfully)
        {
            written.GetAwaiter().GetResult();
            return waiter.WaitAsync(cancellationToken);
        }

        return new ValueTask<MqttPublishResult>(FinishDirectAsync(connection, message, waiter, packetId, epoch, written, cancellationToken));
    }

    private async Task<MqttPublishResult> ContinueDirectAsync(MqttProtocolConnection connection, MqttMessage message, PublishWaiter waiter,
        ValueTask<(ushort PacketId, long Epoch)> begun, long ticket, CancellationToken cancellationToken)
    {
        (ushort PacketId, long Epoch) flight;
        try
        {
            flight = await begun.ConfigureAwait(false);
        }
        catch
        {
            connection.Quota.Abandon(ticket);
            throw;
        }

        var written = StartWriteAsync(connection, message, flight.PacketId, ticket, cancellationToken);
        return await FinishDirectAsync(connection, message, waiter, flight.PacketId, flight.Epoch, written, cancellationToken).ConfigureAwait(false);
    }

    private async Task<MqttPublishResult> FinishDirectAsync(MqttProtocolConnection connection, MqttMessage message, PublishWaiter waiter,
        ushort packetId, long epoch, ValueTask written, CancellationToken cancellationToken)
    {
        var completion = await AwaitWrittenAsync(connection, waiter, packetId, epoch, written, cancellationToken).ConfigureAwait(false);
        if (completion is null)
        {
            // Not sent: the connection was lost before the packet was buffered, and the client reconnects.
            return await PublishCoreAsync(message, cancellationToken).ConfigureAwait(false);
        }

        return await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a message not sent now will have another connection to go out on (the client is not giving up or leaving).</summary>
    private bool WillReconnect => !_closing && (State is MqttClientState.Reconnecting or MqttClientState.Connecting || (_current is null && _reconnectStop is not null));

    // Without listeners the publish is the loop itself: no span, and no second state machine per QoS 1/2 message. The
    // loop's state machines come from a pool (the caller awaits the value task once), so a publisher that waits for an
    // in-flight slot allocates no box per message.
    private ValueTask<MqttPublishResult> PublishCoreAsync(MqttMessage message, CancellationToken cancellationToken) =>
        MqttMetrics.ActivitySource.HasListeners() ? PublishTracedAsync(message, cancellationToken) : PublishLoopAsync(message, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<MqttPublishResult> PublishTracedAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        using var activity = MqttTracing.StartPublish(message, LastConnection?.Endpoint);

        // The trace crosses the broker in MQTT 5 user properties; 3.1.1 has nowhere to carry it. Only a recorded span
        // adds them, so messages a sampler left out cost no extra bytes on the wire (docs/telemetry.md).
        if (activity is { Recorded: true } && Options.ProtocolVersion == MqttProtocolVersion.V500)
        {
            message = MqttTracing.Inject(activity, message);
        }

        try
        {
            var result = await PublishLoopAsync(message, cancellationToken).ConfigureAwait(false);
            MqttTracing.Complete(activity, result);
            return result;
        }
        catch (Exception ex) when (MqttTracing.Fail(activity, ex))
        {
            throw;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<MqttPublishResult> PublishLoopAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        ValidateTopic(message);

        // With a durable store, a QoS 1 message that has to wait for an in-flight slot is stored as queued first (see
        // OfflineQueue.StoreAcceptedAsync), so its save shares a commit with the other waiters' instead of taking one
        // after the slot; with a slot free it is saved as a flight once it has it, one row write fewer. Until it is
        // sent or handed to the offline queue, this call owns that queued row.
        long? stored = null;
        try
        {
            while (true)
            {
                ObjectDisposedException.ThrowIf(IsDisposed, _client);
                var connection = DirectConnection;
                if (connection is null)
                {
                    if (_current is null && !WillReconnect)
                    {
                        throw NotConnected();
                    }

                    var queued = stored;
                    stored = null;
                    return await EnqueueOfflineAsync(message, cancellationToken, queued).ConfigureAwait(false);
                }

                bool sent;
                PublishWaiter? completion;
                if (stored is null && Queue.IsDurable && message.QualityOfService == MqttQualityOfService.AtLeastOnce && connection.Quota.Available == 0)
                {
                    (stored, sent, completion) = await StoreWhileWaitingAsync(connection, message, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    (sent, completion) = await SendAsync(connection, message, null, cancellationToken, stored, queuedDurably: true).ConfigureAwait(false);
                }

                if (sent)
                {
                    stored = null;
                    return completion is null ? s_sentAtMostOnce : await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                // Not sent: the connection was lost before the packet was buffered, and the client reconnects.
            }
        }
        catch when (stored is not null)
        {
            // Failed or cancelled before it was sent: the publisher is told so, and no later process may send it.
            Queue.ForgetStored(stored.Value);
            throw;
        }
    }

    /// <summary>
    /// A QoS 1 message that has to wait for a slot with a durable store: it takes its place in the quota's queue
    /// first, so it keeps its order among the publishes, and is saved as queued while it waits (the saves of the
    /// waiters share commits). Returns its stored row (still owned by the caller when not sent) and
    /// <see cref="SendAsync"/>'s answer.
    /// </summary>
    private async ValueTask<(long? Stored, bool Sent, PublishWaiter? Completion)> StoreWhileWaitingAsync(MqttProtocolConnection connection,
        MqttMessage message, CancellationToken cancellationToken)
    {
        connection.CheckAllowed(message);
        using var waitCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var acquiring = connection.Quota.AcquireAsync(waitCancel.Token);
        long? stored;
        try
        {
            stored = await Queue.StoreAcceptedAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not stored, not sent: its place in the queue (or the slot it was handed meanwhile) goes to the next.
            await waitCancel.CancelAsync().ConfigureAwait(false);
            try
            {
                connection.Quota.Abandon(await acquiring.ConfigureAwait(false));
            }
#pragma warning disable CA1031 // The wait was cancelled or the connection failed: there is no slot to give back.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            throw;
        }

        try
        {
            var (sent, completion) = await SendAsync(connection, message, null, cancellationToken, stored, queuedDurably: true, acquiring).ConfigureAwait(false);
            return (stored, sent, completion);
        }
        catch when (stored is not null)
        {
            // Failed or cancelled before it was sent (as in PublishLoopAsync): no later process may send it.
            Queue.ForgetStored(stored.Value);
            throw;
        }
    }

    /// <summary>
    /// Puts one message into <paramref name="connection"/>'s output buffer. Returns whether it was buffered, with the
    /// waiter of its QoS 1/2 flow (none for QoS 0); not sent means the connection was lost before the packet was
    /// buffered while the client reconnects, and the caller queues it again. Checks that fail throw; nothing was sent.
    /// A QoS 1/2 message takes a slot here, unless the caller checked the message and started waiting for one already
    /// (<c>acquiring</c>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(bool Sent, PublishWaiter? Completion)> SendAsync(MqttProtocolConnection connection, MqttMessage message,
        PublishWaiter? waiter, CancellationToken cancellationToken, long? queuedSequence = null, bool queuedDurably = false, ValueTask<long>? acquiring = null)
    {
        if (acquiring is null)
        {
            connection.CheckAllowed(message);
        }

        if (message.QualityOfService == MqttQualityOfService.AtMostOnce)
        {
            try
            {
                await connection.WritePublishAsync(message, 0, duplicate: false, cancellationToken).ConfigureAwait(false);
                return (true, null);
            }
            catch (MqttConnectionLostException) when (!connection.IsAlive && WillReconnect)
            {
                return (false, null);
            }
        }

        long ticket;
        try
        {
            ticket = await (acquiring ?? connection.Quota.AcquireAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (MqttConnectionLostException) when (!connection.IsAlive && WillReconnect)
        {
            return (false, null);
        }

        waiter ??= Session.RentWaiter();
        ushort packetId;
        long epoch;
        try
        {
            (packetId, epoch) = await Session.BeginPublishAsync(message, waiter, cancellationToken, queuedSequence, queuedDurably).ConfigureAwait(false);
        }
        catch
        {
            connection.Quota.Abandon(ticket);
            throw;
        }

        var completion = await AwaitWrittenAsync(connection, waiter, packetId, epoch, StartWriteAsync(connection, message, packetId, ticket, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
        return (completion is not null, completion);
    }

    /// <summary>
    /// Puts a begun flight's PUBLISH into the output buffer in its slot's turn (see <see cref="SendQuota"/>): at once
    /// when every earlier slot's PUBLISH is in, otherwise once they are.
    /// </summary>
    private static ValueTask StartWriteAsync(MqttProtocolConnection connection, MqttMessage message, ushort packetId, long ticket, CancellationToken cancellationToken) =>
        connection.Quota.IsTurn(ticket) ? WriteInTurnAsync(connection, message, packetId, ticket, cancellationToken) : WriteAfterTurnAsync(connection, message, packetId, ticket, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WriteAfterTurnAsync(MqttProtocolConnection connection, MqttMessage message, ushort packetId, long ticket, CancellationToken cancellationToken)
    {
        await connection.Quota.WaitTurnAsync(ticket).ConfigureAwait(false);
        await WriteInTurnAsync(connection, message, packetId, ticket, cancellationToken).ConfigureAwait(false);
    }

    private static ValueTask WriteInTurnAsync(MqttProtocolConnection connection, MqttMessage message, ushort packetId, long ticket, CancellationToken cancellationToken)
    {
        try
        {
            // The write takes its place in the buffer's queue of writers before it returns, so the next turn may begin.
            return connection.WritePublishAsync(message, packetId, duplicate: false, cancellationToken);
        }
#pragma warning disable CA1031 // Not swallowed: the awaiting side handles it as a failed write.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ValueTask.FromException(ex);
        }
        finally
        {
            connection.Quota.EndTurn(ticket);
        }
    }

    /// <summary>
    /// Waits until a begun flight's PUBLISH is buffered. Returns its waiter, or null when the connection was lost
    /// before the packet was buffered, the flight was taken back and the client reconnects (nothing was sent).
    /// </summary>
    private async ValueTask<PublishWaiter?> AwaitWrittenAsync(MqttProtocolConnection connection, PublishWaiter waiter, ushort packetId, long epoch,
        ValueTask written, CancellationToken cancellationToken)
    {
        try
        {
            await written.ConfigureAwait(false);
            return waiter;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || connection.IsAlive)
        {
            // Cancelled before the bytes were buffered: the broker never saw it.
            await Session.AbandonPublishAsync(packetId).ConfigureAwait(false);
            connection.Quota.Release();
            throw;
        }
        catch (Exception ex) when (!connection.IsAlive && ex is MqttConnectionLostException or OperationCanceledException)
        {
            // (A cancellation the caller did not ask for is the connection's teardown cutting the write short.)
            // Not buffered, so not sent. If a new connection already adopted the flight it was retransmitted there
            // and its flow goes on; otherwise it is taken back, to be queued again (reconnect) or failed (not).
            if (!await Session.TryAbandonPublishAsync(packetId, epoch).ConfigureAwait(false))
            {
                return waiter;
            }

            if (WillReconnect)
            {
                return null;
            }

            throw;
        }
    }

    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the publish while it is queued.</param>
    /// <param name="storedSequence">Its row in the store's queue when it was stored already (it keeps it).</param>
    private async Task<MqttPublishResult> EnqueueOfflineAsync(MqttMessage message, CancellationToken cancellationToken, long? storedSequence = null)
    {
        if (message.QualityOfService == MqttQualityOfService.AtMostOnce && Options.OfflineQueue.DropAtMostOnce)
        {
            Log.OfflineDropped(Logger, message.Topic);
            if (MqttMetrics.DroppedMessages.Enabled)
            {
                MqttMetrics.RecordDropped(offline: true, "offline_at_most_once");
            }

            return new MqttPublishResult { ReasonCode = MqttReasonCode.Success, Dropped = true };
        }

        var item = new QueuedPublish(message, new PublishWaiter(), OfflineQueue.SizeOf(message))
        {
            StoreSequence = storedSequence,
        };
        try
        {
            await Queue.EnqueueAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttOfflineQueueFullException) when (NoteQueueFull())
        {
            throw;
        }
        catch when (storedSequence is { } sequence)
        {
            // Not queued (full, cancelled, or the save failed): its earlier row must not be sent by a later process.
            Queue.ForgetStored(sequence);
            throw;
        }

        // Until the drainer takes it, a cancelled publisher takes its message back: it was never sent.
        item.Cancellation = cancellationToken.Register(static state =>
        {
            var (queue, queued, token) = ((OfflineQueue, QueuedPublish, CancellationToken))state!;
            if (queue.Remove(queued))
            {
                queued.Completion.TrySetCanceled(token);
            }
        }, (Queue, item, cancellationToken));

        if (State is MqttClientState.Disconnected or MqttClientState.Disposed && _current is null)
        {
            // Reconnecting gave up (or the client was closed) while this publisher waited for room.
            if (Queue.Remove(item))
            {
                throw NotConnected();
            }
        }

        if (_current is { IsAlive: true } connection)
        {
            // The connection came back while this message was being queued: make sure someone sends it.
            StartDraining(connection);
        }

        return await item.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the queued messages on <paramref name="connection"/>, oldest first, one drainer at a time. While it runs,
    /// new publishes queue behind it, so the order of publishing is the order on the wire.
    /// </summary>
    private void StartDraining(MqttProtocolConnection connection)
    {
        if (Queue.Count == 0 || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(() => DrainAsync(connection));
    }

    private async Task DrainAsync(MqttProtocolConnection connection)
    {
        try
        {
            while (connection.IsAlive && Queue.Peek() is { } item)
            {
                // Taken out before it is sent, so its publisher can no longer take it back; publishers that come
                // meanwhile still queue behind it, because the drainer is running.
                if (!Queue.Take(item))
                {
                    continue;
                }

                bool sent;
                try
                {
                    (sent, _) = await SendAsync(connection, item.Message, item.Completion, CancellationToken.None, item.StoreSequence, item.StoredDurably).ConfigureAwait(false);
                }
                catch (Exception ex) when (!connection.IsAlive && WillReconnect && ex is MqttException or ObjectDisposedException or OperationCanceledException)
                {
                    // (The drainer passes no token: a cancellation is the connection's teardown, not a publisher's.)
                    // The connection went while this one was on its way: it was not sent, so it waits for the next.
                    Queue.PrependRange([item]);
                    return;
                }
#pragma warning disable CA1031 // Not swallowed: the message's publisher gets the exception; the queue must go on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    // This broker refuses the message (QoS, retain, size): it fails alone, the rest go on.
                    Log.QueuedMessageRefused(Logger, item.Message.Topic, ex.Message);
                    Queue.Forget(item);
                    item.Completion.TrySetException(ex);
                    continue;
                }

                if (!sent)
                {
                    // Lost before it was buffered: it goes back first in the queue, for the next connection.
                    Queue.PrependRange([item]);
                    return;
                }

                if (item.Message.QualityOfService == MqttQualityOfService.AtMostOnce)
                {
                    item.Completion.TrySetResult(s_sentAtMostOnce);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _draining, 0);
        }

        // A message queued just as the loop found the queue empty must not wait for the next reconnect; and a new
        // connection that came up while this drainer was still finishing on the old one found the drain taken.
        if (_current is { IsAlive: true } current && Queue.Count > 0)
        {
            StartDraining(current);
        }
    }

    /// <summary>Counts a message the full offline queue refused; false, so the exception goes on to the handler below.</summary>
    private static bool NoteQueueFull()
    {
        if (MqttMetrics.DroppedMessages.Enabled)
        {
            MqttMetrics.RecordDropped(offline: true, "queue_full");
        }

        return false;
    }

    private static void ValidateTopic(MqttMessage message) => ValidateTopic(message.Topic, nameof(message));

    private static void ValidateTopic(string topic, string parameter)
    {
        if (!MqttTopic.IsValidTopicName(topic, out var error))
        {
            throw new ArgumentException($"Invalid topic name '{topic}': {error}", parameter);
        }
    }
}
