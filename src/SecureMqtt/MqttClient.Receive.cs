using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt;

public sealed partial class MqttClient
{
    private async Task RunReadLoopAsync(ClientConnection connection)
    {
        await Task.Yield();
        var token = connection.Cancellation.Token;
        try
        {
            var leftover = await connection.Connection.RunReadLoopAsync((frame, ct) => OnFrameAsync(connection, frame, ct), Options.MaximumPacketSize, token).ConfigureAwait(false);
            Terminate(connection, new MqttConnectionLostException(leftover == 0
                ? "The broker closed the connection."
                : $"The broker closed the connection in the middle of a packet ({leftover} bytes of an incomplete packet were received)."), raiseEvent: true);
        }
        catch (MqttProtocolException ex)
        {
            await ProtocolViolationAsync(connection, ex).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Terminated elsewhere; that path reported the reason.
        }
        catch (Exception ex)
        {
            Terminate(connection, new MqttConnectionLostException($"Reading from the broker failed: {ex.Message}", ex), raiseEvent: true);
        }
    }

    private ValueTask OnFrameAsync(ClientConnection connection, MqttFrame frame, CancellationToken cancellationToken)
    {
        if (!connection.IsAlive)
        {
            // Frames already buffered behind a DISCONNECT or a violation belong to a connection that has ended.
            return ValueTask.CompletedTask;
        }

        var version = connection.Version;
        switch (frame.Type)
        {
            case MqttPacketType.Publish:
                return OnPublishAsync(connection, MqttPacketReader.DecodePublish(frame, version), cancellationToken);
            case MqttPacketType.PubAck:
            case MqttPacketType.PubRec:
            case MqttPacketType.PubRel:
            case MqttPacketType.PubComp:
                return OnAckAsync(connection, MqttPacketReader.DecodeAck(frame, version), cancellationToken);
            case MqttPacketType.SubAck:
            case MqttPacketType.UnsubAck:
                var response = MqttPacketReader.Decode(frame, version);
                var id = response is MqttSubAckPacket s ? s.PacketId : ((MqttUnsubAckPacket)response).PacketId;
                _session.CompleteRequest(id, response);
                return ValueTask.CompletedTask;
            case MqttPacketType.PingResp:
                // Arrival itself is what keep-alive watches; there is nothing else to do.
                return ValueTask.CompletedTask;
            case MqttPacketType.Disconnect:
                var disconnect = (MqttDisconnectPacket)MqttPacketReader.Decode(frame, version);
                Log.ServerDisconnect(_logger, disconnect.ReasonCode, disconnect.ReasonString);
                var reason = disconnect.ReasonString is null ? string.Empty : $" (\"{disconnect.ReasonString}\")";
                Terminate(connection, new MqttConnectionLostException($"The broker disconnected: {disconnect.ReasonCode}{reason}.", null, disconnect.ReasonCode), raiseEvent: true);
                return ValueTask.CompletedTask;
            case MqttPacketType.Auth:
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, "The broker sent AUTH although no authentication method was requested", "MQTT-3.15.0-1");
            case MqttPacketType.ConnAck:
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, "The broker sent a second CONNACK", "MQTT-3.2.0-2");
            default:
                // CONNECT, SUBSCRIBE, UNSUBSCRIBE and PINGREQ only ever go from client to server (2.1.2).
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"The broker sent {frame.Type}, which only a client may send", "2.1.2");
        }
    }

    private async ValueTask OnPublishAsync(ClientConnection connection, MqttPublishPacket publish, CancellationToken cancellationToken)
    {
        var topic = connection.Version == MqttProtocolVersion.V500 ? connection.InboundAliases.Resolve(publish.Topic, publish.TopicAlias) : publish.Topic;
        var message = ToMessage(publish, topic);
        MqttMetrics.MessagesReceived.Add(1);
        switch (publish.QualityOfService)
        {
            case MqttQualityOfService.AtMostOnce:
                await _incoming.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                break;
            case MqttQualityOfService.AtLeastOnce:
                await _incoming.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                await WriteAckAsync(connection, new MqttAck(MqttPacketType.PubAck, publish.PacketId), cancellationToken).ConfigureAwait(false);
                break;
            default:
                // Deliver once: the id is held until PUBREL; a duplicate only gets its PUBREC again [MQTT-4.3.3-10].
                // MQTT 3.1.1 has no Receive Maximum: the broker was never told a limit, so none is enforced.
                var receiveMaximum = connection.Version == MqttProtocolVersion.V500 ? Options.ReceiveMaximum : ushort.MaxValue;
                if (await _session.OnIncomingExactlyOnceAsync(publish.PacketId, receiveMaximum, cancellationToken).ConfigureAwait(false))
                {
                    await _incoming.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                }

                await WriteAckAsync(connection, new MqttAck(MqttPacketType.PubRec, publish.PacketId), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask OnAckAsync(ClientConnection connection, MqttAck ack, CancellationToken cancellationToken)
    {
        switch (ack.Type)
        {
            case MqttPacketType.PubAck:
                if (await _session.OnPubAckAsync(ack).ConfigureAwait(false) == AckOutcome.Completed)
                {
                    connection.Quota.Release();
                }

                break;
            case MqttPacketType.PubRec:
                switch (await _session.OnPubRecAsync(ack).ConfigureAwait(false))
                {
                    case AckOutcome.Completed:
                        connection.Quota.Release();
                        break;
                    case AckOutcome.SendPubRel:
                        await WriteAckAsync(connection, new MqttAck(MqttPacketType.PubRel, ack.PacketId), cancellationToken).ConfigureAwait(false);
                        break;
                    case AckOutcome.SendPubRelNotFound:
                        await WriteAckAsync(connection, new MqttAck(MqttPacketType.PubRel, ack.PacketId, MqttReasonCode.PacketIdentifierNotFound), cancellationToken).ConfigureAwait(false);
                        break;
                }

                break;
            case MqttPacketType.PubComp:
                if (await _session.OnPubCompAsync(ack).ConfigureAwait(false) == AckOutcome.Completed)
                {
                    connection.Quota.Release();
                }

                break;
            default:
                var known = await _session.OnPubRelAsync(ack.PacketId, cancellationToken).ConfigureAwait(false);
                await WriteAckAsync(connection, new MqttAck(MqttPacketType.PubComp, ack.PacketId,
                    known ? MqttReasonCode.Success : MqttReasonCode.PacketIdentifierNotFound), cancellationToken).ConfigureAwait(false);
                break;
        }
    }
}
