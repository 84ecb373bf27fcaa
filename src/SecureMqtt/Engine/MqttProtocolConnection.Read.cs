using System.Buffers;
using SecureMqtt.Packets;
using SecureMqtt.Session;


namespace SecureMqtt.Engine;

internal sealed partial class MqttProtocolConnection
{
    private async Task RunReadLoopAsync()
    {
        await Task.Yield();
        var token = _cancellation.Token;
        try
        {
            var leftover = await _stream.RunReadLoopAsync(OnFrameAsync, _owner.Options.MaximumPacketSize, token, _delivery.Token).ConfigureAwait(false);
            Terminate(new MqttConnectionLostException(leftover == 0
                ? "The broker closed the connection."
                : $"The broker closed the connection in the middle of a packet ({leftover} bytes of an incomplete packet were received)."), unexpected: true);
        }
        catch (MqttProtocolException ex)
        {
            await ProtocolViolationAsync(ex).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Terminated elsewhere; that path reported the reason.
        }
        catch (Exception ex)
        {
            Terminate(new MqttConnectionLostException($"Reading from the broker failed: {ex.Message}", ex), unexpected: true);
        }
    }

    private ValueTask OnFrameAsync(MqttFrame frame, CancellationToken cancellationToken)
    {
        // The token is _delivery's: it fires once our DISCONNECT is out.
        if (!IsAlive || cancellationToken.IsCancellationRequested)
        {
            // Frames already buffered behind a DISCONNECT or a violation belong to a connection that has ended. After
            // our DISCONNECT nothing more may be sent [MQTT-3.14.4-1], so nothing received can be acknowledged: the
            // broker keeps those messages for the session, or forgets them with it.
            return ValueTask.CompletedTask;
        }

        var version = Version;
        switch (frame.Type)
        {
            case MqttPacketType.Publish:
                return OnPublishAsync(frame, version, cancellationToken);
            case MqttPacketType.PubAck:
            case MqttPacketType.PubRec:
            case MqttPacketType.PubRel:
            case MqttPacketType.PubComp:
                var ack = MqttPacketReader.DecodeAck(frame, version);
                PacketTrace.ReceivedAck(Logger, ack);
                return OnAckAsync(ack, cancellationToken);
            case MqttPacketType.SubAck:
            case MqttPacketType.UnsubAck:
                var response = MqttPacketReader.Decode(frame, version);
                PacketTrace.Received(Logger, frame.Type);
                var id = response is MqttSubAckPacket s ? s.PacketId : ((MqttUnsubAckPacket)response).PacketId;
                if (!_owner.Session.CompleteRequest(id, response))
                {
                    // Nothing waits for it (an UNSUBSCRIBE given up, or a broker acknowledging twice): the
                    // specification does not require closing for this, so the connection is kept. docs/limits.md.
                    Log.UnknownRequestAck(Logger, frame.Type, id);
                }

                return ValueTask.CompletedTask;
            case MqttPacketType.PingResp:
                PacketTrace.Received(Logger, frame.Type);
                // Arrival itself is what keep-alive watches; there is nothing else to do.
                return ValueTask.CompletedTask;
            case MqttPacketType.Disconnect:
                var disconnect = (MqttDisconnectPacket)MqttPacketReader.Decode(frame, version);
                PacketTrace.Received(Logger, frame.Type);
                Log.ServerDisconnect(Logger, disconnect.ReasonCode, disconnect.ReasonString);
                ServerReference = disconnect.ServerReference;
                var reason = disconnect.ReasonString is null ? string.Empty : $" (\"{disconnect.ReasonString}\")";
                Terminate(new MqttConnectionLostException($"The broker disconnected: {disconnect.ReasonCode}{reason}.", null, disconnect.ReasonCode), unexpected: true);
                return ValueTask.CompletedTask;
            case MqttPacketType.Auth when version == MqttProtocolVersion.V311:
                throw new MqttProtocolException(MqttReasonCode.MalformedPacket, "The broker sent packet type 15, which MQTT 3.1.1 reserves", "2.2.1");
            case MqttPacketType.Auth when _owner.Options.Authenticator is null:
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, "The broker sent AUTH although no authentication method was requested", "MQTT-3.15.0-1");
            case MqttPacketType.Auth:
                PacketTrace.Received(Logger, frame.Type);
                return OnAuthAsync((MqttAuthPacket)MqttPacketReader.Decode(frame, version), cancellationToken);
            case MqttPacketType.ConnAck:
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, "The broker sent a second CONNACK", "MQTT-3.2.0-2");
            default:
                // CONNECT, SUBSCRIBE, UNSUBSCRIBE and PINGREQ only ever go from client to server (2.1.2).
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"The broker sent {frame.Type}, which only a client may send", "2.1.2");
        }
    }

    /// <summary>
    /// Decodes a PUBLISH and builds its message while the frame's bytes are still valid (the payload is copied out of
    /// the receive buffer here, into an array of its own or a pooled one), then delivers and acknowledges it.
    /// </summary>
    private ValueTask OnPublishAsync(in MqttFrame frame, MqttProtocolVersion version, CancellationToken cancellationToken)
    {
        var publish = MqttPacketReader.DecodePublishFields(frame, version, _topics, out var payload);
        var topic = version == MqttProtocolVersion.V500 ? InboundAliases.Resolve(publish.Topic, publish.TopicAlias) : publish.Topic;
        if (MqttMetrics.ConsumedMessages.Enabled || MqttMetrics.ReceivedPayload.Enabled)
        {
            MqttMetrics.RecordReceived(publish.QualityOfService, (int)payload.Length, Tags);
        }

        PacketTrace.ReceivedPublish(Logger, publish, topic, (int)payload.Length);
        if (!IsTopicAccepted(topic))
        {
            return RefuseAsync(publish.QualityOfService, publish.PacketId, cancellationToken);
        }

        var duplicate = publish.Duplicate;
        if (duplicate && publish.QualityOfService == MqttQualityOfService.AtMostOnce)
        {
            // Only the 3.1.1 decoder lets this through ([MQTT-3.3.1-2] is the sender's duty there, and a QoS 0
            // message has no retransmission for the flag to describe): the flag is dropped, the message kept.
            Log.DuplicateFlagOnAtMostOnce(Logger, topic);
            duplicate = false;
        }

        var message = _owner.IncomingPool is { } pool
            ? pool.Rent(publish, topic, payload, duplicate)
            : MqttMessage.Received(publish, topic, payload.IsEmpty ? ReadOnlyMemory<byte>.Empty : payload.ToArray(), duplicate);
        return DeliverAsync(message, cancellationToken);
    }

    private async ValueTask DeliverAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var packetId = message.PacketId.GetValueOrDefault();
        switch (message.QualityOfService)
        {
            case MqttQualityOfService.AtMostOnce:
                await _owner.EnqueueIncomingAsync(message, cancellationToken).ConfigureAwait(false);
                break;
            case MqttQualityOfService.AtLeastOnce when _owner.AcknowledgesAfterHandlers:
                // The dispatch loop sends the PUBACK once the handlers have run (AcknowledgeHandledAsync).
                await _owner.EnqueueIncomingAsync(message, cancellationToken, this, packetId).ConfigureAwait(false);
                break;
            case MqttQualityOfService.AtLeastOnce:
                await _owner.EnqueueIncomingAsync(message, cancellationToken).ConfigureAwait(false);
                await WriteAckAsync(new MqttAck(MqttPacketType.PubAck, packetId), cancellationToken).ConfigureAwait(false);
                break;
            default:
                // Deliver once: the id is held until PUBREL; a duplicate only gets its PUBREC again [MQTT-4.3.3-10].
                // MQTT 3.1.1 has no Receive Maximum: the broker was never told a limit, so none is enforced.
                var receiveMaximum = Version == MqttProtocolVersion.V500 ? _owner.Options.ReceiveMaximum : ushort.MaxValue;
                int? fingerprint = _owner.Options.SuppressQoS2ResendAfterRelease ? Fingerprint(message.Topic, message.Payload.Span) : null;
                var delivered = false;
                var duplicate = message.Duplicate;
                var afterHandlers = _owner.AcknowledgesAfterHandlers;
                try
                {
                    delivered = await _owner.Session.OnIncomingExactlyOnceAsync(packetId, receiveMaximum, cancellationToken, fingerprint, duplicate, afterHandlers)
                        .ConfigureAwait(false);
                }
                finally
                {
                    if (!delivered)
                    {
                        // A duplicate of a message already delivered, or the connection ended: this copy goes nowhere.
                        IncomingMessagePool.ReleaseByClient(message);
                    }
                }

                if (delivered)
                {
                    try
                    {
                        await _owner.EnqueueIncomingAsync(message, cancellationToken, afterHandlers ? this : null, packetId).ConfigureAwait(false);
                    }
                    catch
                    {
                        // Not handed over (the connection ended while the application's queue was full): forget the id,
                        // or the broker's resend would be taken for a duplicate and the message never delivered.
                        await _owner.Session.OnPubRelAsync(packetId, CancellationToken.None, delivered: false).ConfigureAwait(false);
                        throw;
                    }

                    if (afterHandlers)
                    {
                        // PUBREC once the handlers have run (the supervisor's AcknowledgeExactlyOnceHandledAsync).
                        break;
                    }
                }
                else if (afterHandlers && _owner.Session.IsAwaitingHandler(packetId))
                {
                    // A resend of a message still queued or in a handler (the connection it came on was lost): its
                    // PUBREC goes out once it is handled, on the connection current then, this one.
                    break;
                }

                await WriteAckAsync(new MqttAck(MqttPacketType.PubRec, packetId), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// The PUBACK of a QoS 1 message received here, or the PUBREC of a QoS 2 one, sent once its handlers have run
    /// (<see cref="MqttClientOptions.AcknowledgeAfterHandlers"/>). Never throws: on a connection that has ended there
    /// is nothing to do, as a broker keeping the session sends the message again on the next connection (and one that
    /// does not has forgotten it).
    /// </summary>
    public async ValueTask AcknowledgeHandledAsync(MqttPacketType type, ushort packetId)
    {
        if (!IsAlive)
        {
            return;
        }

        try
        {
            await WriteAckAsync(new MqttAck(type, packetId), _cancellation.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The dispatch loop must go on: a write fails only with its connection, whose loops report why.
        catch (Exception)
#pragma warning restore CA1031
        {
            // Ended meanwhile: as above.
        }
    }

    // Per process (HashCode is seeded at random): the fingerprints live in memory only, never in the store.
    private static int Fingerprint(string topic, ReadOnlySpan<byte> payload)
    {
        var hash = new HashCode();
        hash.Add(topic, StringComparer.Ordinal);
        hash.AddBytes(payload);
        return hash.ToHashCode();
    }

    /// <summary>
    /// Refuses a message over our own limit (not the protocol's), keeping the connection: MQTT 5 says why in the
    /// acknowledgement (0x90 ends a QoS 2 flow at PUBREC); 3.1.1 can only acknowledge normally, or the broker
    /// would resend the message forever.
    /// </summary>
    private async ValueTask RefuseAsync(MqttQualityOfService qualityOfService, ushort packetId, CancellationToken cancellationToken)
    {
        var v5 = Version == MqttProtocolVersion.V500;
        var reason = v5 ? MqttReasonCode.TopicNameInvalid : MqttReasonCode.Success;
        switch (qualityOfService)
        {
            case MqttQualityOfService.AtLeastOnce:
                await WriteAckAsync(new MqttAck(MqttPacketType.PubAck, packetId, reason), cancellationToken).ConfigureAwait(false);
                break;
            case MqttQualityOfService.ExactlyOnce:
                if (!v5)
                {
                    // The 3.1.1 flow goes on to PUBREL/PUBCOMP, so the id is held like any other.
                    await _owner.Session.OnIncomingExactlyOnceAsync(packetId, ushort.MaxValue, cancellationToken).ConfigureAwait(false);
                }

                await WriteAckAsync(new MqttAck(MqttPacketType.PubRec, packetId, reason), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private bool IsTopicAccepted(string topic)
    {
        // Cheap first: a UTF-8 byte is at most 3 per UTF-16 char for topics, at least 1.
        var maximum = _owner.Options.MaximumTopicLength;
        if (topic.Length * 3L <= maximum)
        {
            return true;
        }

        var length = System.Text.Encoding.UTF8.GetByteCount(topic);
        if (length <= maximum)
        {
            return true;
        }

        Log.TopicTooLong(Logger, length, maximum, topic[..Math.Min(topic.Length, 64)]);
        return false;
    }

    private async ValueTask OnAckAsync(MqttAck ack, CancellationToken cancellationToken)
    {
        switch (ack.Type)
        {
            case MqttPacketType.PubAck:
                NotePublishEnded(ack, MqttQualityOfService.AtLeastOnce);
                // A completed flow gives its slot back itself, before its publisher hears of it.
                await _owner.Session.OnPubAckAsync(ack, Quota).ConfigureAwait(false);
                break;
            case MqttPacketType.PubRec:
                if ((byte)ack.ReasonCode >= 0x80)
                {
                    // A failing PUBREC ends the QoS 2 flow [MQTT-4.3.3].
                    NotePublishEnded(ack, MqttQualityOfService.ExactlyOnce);
                }

                switch (await _owner.Session.OnPubRecAsync(ack, Quota).ConfigureAwait(false))
                {
                    case AckOutcome.SendPubRel:
                        await WriteAckAsync(new MqttAck(MqttPacketType.PubRel, ack.PacketId), cancellationToken).ConfigureAwait(false);
                        break;
                    case AckOutcome.SendPubRelNotFound:
                        await WriteAckAsync(new MqttAck(MqttPacketType.PubRel, ack.PacketId, MqttReasonCode.PacketIdentifierNotFound), cancellationToken).ConfigureAwait(false);
                        break;
                }

                break;
            case MqttPacketType.PubComp:
                NotePublishEnded(ack, MqttQualityOfService.ExactlyOnce);
                await _owner.Session.OnPubCompAsync(ack, Quota).ConfigureAwait(false);
                break;
            default:
                var known = await _owner.Session.OnPubRelAsync(ack.PacketId, cancellationToken).ConfigureAwait(false);
                await WriteAckAsync(new MqttAck(MqttPacketType.PubComp, ack.PacketId,
                    known ? MqttReasonCode.Success : MqttReasonCode.PacketIdentifierNotFound), cancellationToken).ConfigureAwait(false);
                break;
        }
    }
}
