using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SecureMqtt.Packets;

namespace SecureMqtt.Session;

/// <summary>What the client must do after an acknowledgement was applied to the session.</summary>
internal enum AckOutcome
{
    /// <summary>The packet id is not in flight: nothing to complete.</summary>
    Unknown,

    /// <summary>The flow ended: a caller was answered and a send-quota slot is free again.</summary>
    Completed,

    /// <summary>PUBREC accepted: answer with PUBREL.</summary>
    SendPubRel,

    /// <summary>PUBREC for an id we do not know: answer PUBREL with PacketIdentifierNotFound [MQTT-4.3.3].</summary>
    SendPubRelNotFound,
}

/// <summary>
/// The QoS 1/2 state machine of one session, both directions, free of I/O: which packet ids are in flight,
/// where each outgoing message stands, which incoming QoS 2 ids await PUBREL. Durable state goes through
/// <see cref="IMqttSessionStore"/>; callers waiting for a flow hold a <see cref="PublishWaiter"/> it completes.
/// </summary>
internal sealed class MqttSessionState(IMqttSessionStore store)
{
    private readonly Lock _lock = new();

    // Flights are reused with their pooled waiters (PublishWaiter.OwnFlight) only with the in-memory store: it lets
    // go of a flight when told to, where another store may keep or serialize the object later.
    private readonly bool _reusesFlights = store is MqttInMemorySessionStore;

    /// <summary>Whether publishes reuse the objects their flights keep (the in-memory store's case, see <c>_reusesFlights</c>).</summary>
    public bool ReusesFlights => _reusesFlights;
    private readonly PacketIdAllocator _ids = new();
    private readonly Dictionary<ushort, OutgoingEntry> _outgoing = [];
    private readonly PublishWaiterPool _waiters = new();
    private readonly Dictionary<ushort, TaskCompletionSource<MqttPacket>> _requests = [];
    private readonly HashSet<ushort> _incoming = [];

    // Incoming QoS 2 ids whose message is queued or in a handler (AcknowledgeAfterHandlers): held in _incoming, so a
    // resend is known for a duplicate, but recorded in the store and answered with PUBREC only once handled. Kept
    // across a resumed session (the store does not have them yet), dropped with a session the broker lost.
    private readonly HashSet<ushort> _handling = [];

    // SuppressQoS2ResendAfterRelease: a fingerprint (topic and payload) per held incoming id, and per packet id the
    // fingerprint of the last message released with it, until the id brings another message. One slot per possible
    // id (320 KB, made on first use): a broker resends whole bursts of released messages after a reconnect (1,659 in
    // one run), so a shorter memory misses some.
    private readonly Dictionary<ushort, int> _incomingFingerprints = [];
    private int[]? _releasedPrints;
    private bool[]? _released;
    private string _clientId = string.Empty;
    private long _sequence;
    private long _epoch;

    public string ClientId => _clientId;

    public int OutgoingCount
    {
        get
        {
            lock (_lock)
            {
                return _outgoing.Count;
            }
        }
    }

    /// <summary>
    /// Adopts the session the broker reported in CONNACK. With a session on the broker, the stored flights are
    /// returned for retransmission [MQTT-4.4.0-1]. Without one, nothing stored can be resumed, but nothing the
    /// application handed over may be lost either: flights whose flow did not complete come back as
    /// <see cref="SessionStart.Resend"/>, to be published again as new messages (with their waiting callers), QoS 2
    /// flights past PUBREC included (a broker may deliver only at PUBREL).
    /// </summary>
    public async ValueTask<SessionStart> StartAsync(string clientId, bool sessionPresent, CancellationToken cancellationToken)
    {
        // Flights begun from here on belong to the new connection; see TryAbandonPublishAsync.
        Interlocked.Increment(ref _epoch);
        if (!sessionPresent)
        {
            var previousId = _clientId.Length > 0 ? _clientId : clientId;

            // One step in the store (a durable one does it in one transaction): the flights the broker forgot become
            // queued messages, so a crash from here on finds them in the queue, not lost and not twice.
            var requeued = await store.RequeueOutgoingAsync(previousId, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(previousId, clientId, StringComparison.Ordinal))
            {
                await store.ClearAsync(clientId, cancellationToken).ConfigureAwait(false);
            }

            List<OrphanedPublish> resend = [];
            lock (_lock)
            {
                var known = new HashSet<ushort>();
                foreach (var item in requeued)
                {
                    if (item.PacketId is not { } packetId)
                    {
                        continue;
                    }

                    known.Add(packetId);
                    var waiter = _outgoing.TryGetValue(packetId, out var entry) && SameMessage(entry.Flight.Message, item.Message) ? entry.Waiter : null;
                    waiter?.Detach();
                    resend.Add(new OrphanedPublish(item.Message, waiter, item.Sequence));
                }

                // Flights the store no longer had (a store shared with another client, cleared by it) still have
                // callers here waiting.
                foreach (var entry in _outgoing.Values.OrderBy(e => e.Sequence))
                {
                    if (!known.Contains(entry.Flight.PacketId))
                    {
                        Orphan(entry.Flight, entry.Waiter, resend);
                    }
                }

                _clientId = clientId;
                _outgoing.Clear();
                _requests.Clear();
                _incoming.Clear();
                _handling.Clear();
                _incomingFingerprints.Clear();
                _released = null;
                _releasedPrints = null;
                _ids.Clear();
            }

            return new SessionStart([], resend);
        }

        var flights = await store.LoadOutgoingAsync(clientId, cancellationToken).ConfigureAwait(false);
        var incoming = await store.LoadIncomingAsync(clientId, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _clientId = clientId;
            _ids.Clear();
            _requests.Clear();
            var previous = new Dictionary<ushort, OutgoingEntry>(_outgoing);
            _outgoing.Clear();
            foreach (var flight in flights)
            {
                _ids.TryReserve(flight.PacketId);

                // A caller of this process may still be waiting (it timed out its own wait, or not): keep it.
                var waiter = previous.TryGetValue(flight.PacketId, out var old) && SameMessage(old.Flight.Message, flight.Message) ? old.Waiter : null;
                waiter?.Detach();
                _outgoing[flight.PacketId] = new OutgoingEntry(flight, waiter, ++_sequence);
            }

            _incoming.Clear();
            _incoming.UnionWith(incoming);
            _incoming.UnionWith(_handling);
        }

        return new SessionStart(flights, []);
    }

    private static void Orphan(MqttOutgoingFlight flight, PublishWaiter? waiter, List<OrphanedPublish> resend)
    {
        waiter?.Detach();

        // Past PUBREC too: the specification lets a broker hold a QoS 2 message until PUBREL before delivering it
        // (Mosquitto does), so a broker that forgot the session may never have delivered it. Sending it again may
        // deliver it twice; not sending it may lose it, and without a session exactly-once is not on offer.
        resend.Add(new OrphanedPublish(flight.Message, waiter, null));
    }

    /// <summary>
    /// Whether a stored flight is the message a caller of this process published: the same object with the in-memory
    /// store, an equal copy read back from a durable one (a store shared with another client may hold another message
    /// under the same packet id).
    /// </summary>
    private static bool SameMessage(MqttMessage a, MqttMessage b) => ReferenceEquals(a, b)
        || (string.Equals(a.Topic, b.Topic, StringComparison.Ordinal) && a.QualityOfService == b.QualityOfService && a.Retain == b.Retain
            && a.Payload.Span.SequenceEqual(b.Payload.Span));

    /// <summary>A waiter for one publish, from this session's pool (see <see cref="PublishWaiter"/>).</summary>
    public PublishWaiter RentWaiter() => _waiters.Rent();

    /// <summary>Allocates a packet id for a QoS 1/2 message and records the flight before it is sent.</summary>
    public async ValueTask<(ushort PacketId, PublishWaiter Completion)> BeginPublishAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var waiter = new PublishWaiter();
        var (packetId, _) = await BeginPublishAsync(message, waiter, cancellationToken).ConfigureAwait(false);
        return (packetId, waiter);
    }

    /// <summary>As above, answering <paramref name="waiter"/> (the publisher's, or that of a queued or orphaned message) when the flow ends.</summary>
    /// <remarks>
    /// A message from the stored offline queue (<paramref name="queuedSequence"/>) moves from the queue to the flights
    /// in one store step. At QoS 1 with its queued row known to be committed (<paramref name="queuedDurably"/>) the
    /// PUBLISH does not wait for that step: a crash before it commits leaves the queued row, and the next process
    /// publishes the message again as new, which QoS 1 allows. QoS 2 waits: a broker holding the packet id of a sent
    /// but unrecorded QoS 2 message would take the next message given that id for a duplicate and drop it.
    /// </remarks>
    public async ValueTask<(ushort PacketId, long Epoch)> BeginPublishAsync(MqttMessage message,
        PublishWaiter waiter, CancellationToken cancellationToken, long? queuedSequence = null, bool queuedDurably = false)
    {
        OutgoingEntry entry;
        long epoch;
        lock (_lock)
        {
            epoch = Interlocked.Read(ref _epoch);
            if (!_ids.TryAllocate(out var packetId))
            {
                throw new InvalidOperationException("All 65535 packet identifiers are in flight.");
            }

            var state = message.QualityOfService == MqttQualityOfService.ExactlyOnce ? MqttOutgoingFlightState.AwaitingPubRec : MqttOutgoingFlightState.AwaitingPubAck;
            var flight = _reusesFlights ? waiter.OwnFlight(packetId, message, state) : new MqttOutgoingFlight(packetId, message, state);
            entry = new OutgoingEntry(flight, waiter, ++_sequence);
            _outgoing[packetId] = entry;
        }

        try
        {
            if (queuedSequence is { } sequence && queuedDurably && message.QualityOfService == MqttQualityOfService.AtLeastOnce)
            {
                ObserveInBackground(store.MoveQueuedToOutgoingAsync(_clientId, sequence, entry.Flight, CancellationToken.None));
            }
            else if (queuedSequence is { } queued)
            {
                await store.MoveQueuedToOutgoingAsync(_clientId, queued, entry.Flight, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await store.SaveOutgoingAsync(_clientId, entry.Flight, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            lock (_lock)
            {
                _outgoing.Remove(entry.Flight.PacketId);
                _ids.Release(entry.Flight.PacketId);
            }

            throw;
        }

        return (entry.Flight.PacketId, epoch);
    }

    // A failed move leaves the queued row: at worst the next process publishes the message once more; the store
    // reports its own failures, and the next save that waits fails its publisher with them.
    private static void ObserveInBackground(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            _ = pending.AsTask().ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Forgets a flight whose PUBLISH could not even be written (the caller gets the write error).</summary>
    public async ValueTask AbandonPublishAsync(ushort packetId)
    {
        lock (_lock)
        {
            _outgoing.Remove(packetId);
            _ids.Release(packetId);
        }

        await store.RemoveOutgoingAsync(_clientId, packetId, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes back a flight whose PUBLISH never reached the output buffer (its connection failed first), unless a
    /// newer connection adopted the session since it began (<paramref name="epoch"/>): then that connection
    /// retransmitted it, and taking it back would send it twice. True when taken back.
    /// </summary>
    public async ValueTask<bool> TryAbandonPublishAsync(ushort packetId, long epoch)
    {
        lock (_lock)
        {
            if (Interlocked.Read(ref _epoch) != epoch || !_outgoing.Remove(packetId))
            {
                return false;
            }

            _ids.Release(packetId);
        }

        await store.RemoveOutgoingAsync(_clientId, packetId, CancellationToken.None).ConfigureAwait(false);
        return true;
    }

    // The flow's in-flight slot (quota) is given back before its publisher hears of the acknowledgement: a publisher
    // that publishes again as soon as one of its messages completes then finds the slot free and need not wait for it.
    public ValueTask<AckOutcome> OnPubAckAsync(in MqttAck ack, SendQuota? quota = null) => CompleteAsync(ack, MqttOutgoingFlightState.AwaitingPubAck, quota);

    public ValueTask<AckOutcome> OnPubCompAsync(in MqttAck ack, SendQuota? quota = null) => CompleteAsync(ack, MqttOutgoingFlightState.AwaitingPubComp, quota);

    public async ValueTask<AckOutcome> OnPubRecAsync(MqttAck ack, SendQuota? quota = null)
    {
        PublishWaiter? failed = null;
        MqttOutgoingFlight next;
        lock (_lock)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_outgoing, ack.PacketId);
            if (Unsafe.IsNullRef(ref entry) || entry.Flight.Message.QualityOfService != MqttQualityOfService.ExactlyOnce)
            {
                return AckOutcome.SendPubRelNotFound;
            }

            if (entry.Flight.State == MqttOutgoingFlightState.AwaitingPubComp)
            {
                // A repeated PUBREC (our PUBREL may have been lost with a connection): repeat PUBREL.
                return AckOutcome.SendPubRel;
            }

            if ((byte)ack.ReasonCode >= 0x80)
            {
                // [MQTT-4.3.3]: a failing PUBREC ends the flow; the id is free again.
                next = entry.Flight;
                failed = entry.Waiter;
                _outgoing.Remove(ack.PacketId);
                _ids.Release(ack.PacketId);
            }
            else
            {
                next = _reusesFlights && entry.Waiter is { } waiter
                    ? waiter.OwnFlightAfterPubRec(entry.Flight)
                    : entry.Flight with { State = MqttOutgoingFlightState.AwaitingPubComp };
                entry.Flight = next;
            }
        }

        if (next.State == MqttOutgoingFlightState.AwaitingPubComp)
        {
            await store.SaveOutgoingAsync(_clientId, next, CancellationToken.None).ConfigureAwait(false);
            return AckOutcome.SendPubRel;
        }

        quota?.Release();
        Finish(failed, ack);
        await store.RemoveOutgoingAsync(_clientId, ack.PacketId, CancellationToken.None).ConfigureAwait(false);
        failed?.ReleaseBySession();
        return AckOutcome.Completed;
    }

    /// <summary>
    /// An incoming QoS 2 PUBLISH: true when it is new and must be delivered, false for a duplicate. A new one
    /// beyond the Receive Maximum we announced is a protocol error [MQTT-3.3.4-9].
    /// </summary>
    /// <param name="packetId">Its packet id.</param>
    /// <param name="receiveMaximum">The Receive Maximum this client announced.</param>
    /// <param name="cancellationToken">Cancels recording the id.</param>
    /// <param name="fingerprint">
    /// With <see cref="MqttClientOptions.SuppressQoS2ResendAfterRelease"/>: a hash of its topic and payload, kept
    /// while the id is held and after its release, to recognise the broker sending a released message again.
    /// </param>
    /// <param name="duplicate">Its DUP flag: only a resend can be one of a released message.</param>
    /// <param name="recordWhenHandled">
    /// A new message is recorded in the store once its handlers have run (<see cref="OnIncomingHandledAsync"/>), not
    /// now: a process that dies before then must take the broker's resend for a new message.
    /// </param>
    public async ValueTask<bool> OnIncomingExactlyOnceAsync(ushort packetId, int receiveMaximum, CancellationToken cancellationToken,
        int? fingerprint = null, bool duplicate = false, bool recordWhenHandled = false)
    {
        bool deliver;
        lock (_lock)
        {
            if (_incoming.Contains(packetId))
            {
                return false;
            }

            // The broker's resend of a message it had released is held again, so that its PUBREL completes as usual,
            // but not delivered a second time.
            deliver = !(fingerprint is { } print && duplicate && _released is { } released && released[packetId] && _releasedPrints![packetId] == print);
            if (deliver && _incoming.Count >= receiveMaximum)
            {
                throw new MqttProtocolException(MqttReasonCode.ReceiveMaximumExceeded,
                    $"The broker has more than {receiveMaximum} QoS 2 messages unreleased, the Receive Maximum this client announced", "MQTT-3.3.4-9");
            }

            if (fingerprint is { } held)
            {
                if (_released is { } flags)
                {
                    flags[packetId] = false;
                }

                _incomingFingerprints[packetId] = held;
            }

            _incoming.Add(packetId);
            if (deliver && recordWhenHandled)
            {
                _handling.Add(packetId);
                return true;
            }
        }

        await store.AddIncomingAsync(_clientId, packetId, cancellationToken).ConfigureAwait(false);
        return deliver;
    }

    /// <summary>Whether the message held under an incoming QoS 2 id is still queued or in a handler (its PUBREC not yet due).</summary>
    public bool IsAwaitingHandler(ushort packetId)
    {
        lock (_lock)
        {
            return _handling.Contains(packetId);
        }
    }

    /// <summary>
    /// The handlers of an incoming QoS 2 message held with <c>recordWhenHandled</c> have run: records its id in the
    /// store. True when its PUBREC is due now; false when the id is no longer held (released, or the session started
    /// over without it). The id counts as awaiting its handler until it is recorded, so a resend arriving meanwhile
    /// leaves the PUBREC to this call and the broker's PUBREL cannot overtake the record.
    /// </summary>
    public async ValueTask<bool> OnIncomingHandledAsync(ushort packetId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_handling.Contains(packetId) || !_incoming.Contains(packetId))
            {
                _handling.Remove(packetId);
                return false;
            }
        }

        try
        {
            await store.AddIncomingAsync(_clientId, packetId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _handling.Remove(packetId);
            }
        }

        bool held;
        lock (_lock)
        {
            held = _incoming.Contains(packetId);
        }

        if (!held)
        {
            // The session started over while the id was being recorded: it belongs to no session now.
            await store.RemoveIncomingAsync(_clientId, packetId, cancellationToken).ConfigureAwait(false);
        }

        return held;
    }

    /// <summary>PUBREL: releases the incoming id. False when it was not held (answer PacketIdentifierNotFound).</summary>
    /// <param name="packetId">The id.</param>
    /// <param name="cancellationToken">Cancels recording the release.</param>
    /// <param name="delivered">False when the id is dropped because its message never reached the application.</param>
    public async ValueTask<bool> OnPubRelAsync(ushort packetId, CancellationToken cancellationToken, bool delivered = true)
    {
        lock (_lock)
        {
            _handling.Remove(packetId);
            if (!_incoming.Remove(packetId))
            {
                return false;
            }

            if (_incomingFingerprints.Remove(packetId, out var print) && delivered)
            {
                (_released ??= new bool[ushort.MaxValue + 1])[packetId] = true;
                (_releasedPrints ??= new int[ushort.MaxValue + 1])[packetId] = print;
            }
        }

        await store.RemoveIncomingAsync(_clientId, packetId, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Allocates a packet id for SUBSCRIBE/UNSUBSCRIBE; the task completes with SUBACK/UNSUBACK.</summary>
    public ushort BeginRequest(out Task<MqttPacket> completion)
    {
        lock (_lock)
        {
            if (!_ids.TryAllocate(out var packetId))
            {
                throw new InvalidOperationException("All 65535 packet identifiers are in flight.");
            }

            var tcs = new TaskCompletionSource<MqttPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
            _requests[packetId] = tcs;
            completion = tcs.Task;
            return packetId;
        }
    }

    public bool CompleteRequest(ushort packetId, MqttPacket response)
    {
        TaskCompletionSource<MqttPacket>? tcs;
        lock (_lock)
        {
            if (!_requests.Remove(packetId, out tcs))
            {
                return false;
            }

            _ids.Release(packetId);
        }

        tcs.TrySetResult(response);
        return true;
    }

    public void CancelRequest(ushort packetId)
    {
        lock (_lock)
        {
            if (_requests.Remove(packetId))
            {
                _ids.Release(packetId);
            }
        }
    }

    /// <summary>
    /// The connection is gone: waiting SUBSCRIBE/UNSUBSCRIBE callers fail with <paramref name="reason"/>, and so do
    /// publishers unless <paramref name="keepPublishes"/> (the client reconnects and their flows go on there).
    /// Outgoing flights stay (in memory and in the store) so a resumed session can retransmit them.
    /// </summary>
    public void FailPending(Exception reason, bool keepPublishes = false)
    {
        List<TaskCompletionSource<MqttPacket>> requests;
        List<PublishWaiter> publishes = [];
        lock (_lock)
        {
            requests = [.. _requests.Values];
            foreach (var id in _requests.Keys)
            {
                _ids.Release(id);
            }

            _requests.Clear();
            if (!keepPublishes)
            {
                foreach (var id in _outgoing.Keys)
                {
                    // Changing a value in place leaves the enumeration valid.
                    ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_outgoing, id);
                    if (entry.Waiter is { } w)
                    {
                        w.Detach();
                        publishes.Add(w);
                        entry.Waiter = null;
                    }
                }
            }
        }

        // A caller may have stopped waiting (its cancellation token fired): reading Exception marks the fault as
        // observed, so an abandoned waiter does not surface later as an unobserved task exception.
        requests.ForEach(r => _ = r.TrySetException(reason) ? r.Task.Exception : null);
        publishes.ForEach(p => p.TrySetException(reason));
    }

    private async ValueTask<AckOutcome> CompleteAsync(MqttAck ack, MqttOutgoingFlightState expected, SendQuota? quota)
    {
        PublishWaiter? waiter;
        lock (_lock)
        {
            if (!_outgoing.TryGetValue(ack.PacketId, out var entry) || entry.Flight.State != expected)
            {
                return AckOutcome.Unknown;
            }

            _outgoing.Remove(ack.PacketId);
            _ids.Release(ack.PacketId);
            waiter = entry.Waiter;
        }

        quota?.Release();
        Finish(waiter, ack);

        await store.RemoveOutgoingAsync(_clientId, ack.PacketId, CancellationToken.None).ConfigureAwait(false);

        // Only now is the flight, and the message in it, gone from the store too: the waiter (and a message of its
        // own) may be reused.
        waiter?.ReleaseBySession();
        return AckOutcome.Completed;
    }

    // The flight is out of the table: nothing in the session refers to the waiter any more, so it is answered outside
    // the lock. The caller releases it once the store has dropped the flight as well.
    private static void Finish(PublishWaiter? waiter, in MqttAck ack)
    {
        if (waiter is null)
        {
            return;
        }

        waiter.TrySetResult(new MqttPublishResult
        {
            PacketId = ack.PacketId,
            ReasonCode = ack.ReasonCode,
            ReasonString = ack.ReasonString,
            UserProperties = ack.UserProperties,
        });
    }

    // A value in the table, changed in place: no object per flight beyond the flight itself.
    private struct OutgoingEntry(MqttOutgoingFlight flight, PublishWaiter? waiter, long sequence)
    {
        public readonly long Sequence { get; } = sequence;

        public MqttOutgoingFlight Flight { get; set; } = flight;

        public PublishWaiter? Waiter { get; set; } = waiter;
    }
}

/// <summary>What adopting the broker's session left to do: flights to retransmit, or messages to publish again as new.</summary>
internal sealed record SessionStart(IReadOnlyList<MqttOutgoingFlight> Retransmit, IReadOnlyList<OrphanedPublish> Resend);

/// <summary>
/// A message whose flight the broker forgot (no session), with the caller still waiting for it, if any, and its
/// place in the store's offline queue (null when the store did not requeue it).
/// </summary>
internal readonly record struct OrphanedPublish(MqttMessage Message, PublishWaiter? Waiter, long? Sequence);
