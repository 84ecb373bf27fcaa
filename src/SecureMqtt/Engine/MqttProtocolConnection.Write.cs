using SecureMqtt.Packets;

namespace SecureMqtt.Engine;

internal sealed partial class MqttProtocolConnection
{
    /// <summary>DISCONNECT as the last packet: writers after it fail with <paramref name="closing"/>.</summary>
    private ValueTask WriteDisconnectAsync(MqttDisconnectPacket disconnect, MqttException closing, CancellationToken cancellationToken)
    {
        PacketTrace.SentDisconnect(Logger, disconnect, Version);
        return Output.WriteLastAsync((disconnect, Version),
            static (writer, state) => MqttPacketWriter.Write(writer, state.disconnect, state.Version), closing, cancellationToken);
    }

    /// <summary>
    /// Checks a message against what this broker allows (QoS, retain, Maximum Packet Size) before anything is sent.
    /// </summary>
    public void CheckAllowed(MqttMessage message)
    {
        if (message.QualityOfService > MaximumQoS)
        {
            throw new MqttProtocolException(MqttReasonCode.QoSNotSupported,
                $"The broker supports QoS up to {MaximumQoS}; this message asks for {message.QualityOfService}", "MQTT-3.2.2-11");
        }

        // A QoS 1/2 packet id is taken only after these checks, so 1 stands in for it: the id's value does not change the size.
        CheckRetainAndSize(ToFields(message, message.QualityOfService == MqttQualityOfService.AtMostOnce ? (ushort)0 : (ushort)1, false, message.Topic, null));
    }

    /// <summary>The same checks for a QoS 0 publish given as topic, payload and retain (no message object).</summary>
    public void CheckAllowedAtMostOnce(string topic, ReadOnlyMemory<byte> payload, bool retain) =>
        CheckRetainAndSize(AtMostOnceFields(topic, null, payload, retain));

    private void CheckRetainAndSize(in MqttPublishFields fields)
    {
        if (fields.Retain && !RetainAvailable)
        {
            throw new MqttProtocolException(MqttReasonCode.RetainNotSupported, "The broker does not support retained messages", "MQTT-3.2.2-14");
        }

        var size = MqttPacketWriter.GetPublishSize(fields, Version);
        if ((uint)size > BrokerMaximumPacketSize)
        {
            throw new MqttProtocolException(MqttReasonCode.PacketTooLarge,
                $"The PUBLISH would be {size} bytes, more than the broker's Maximum Packet Size of {BrokerMaximumPacketSize} bytes; nothing was sent", "MQTT-3.1.2-24");
        }
    }

    /// <summary>Writes a QoS 0 PUBLISH of only topic, payload and retain: the bytes a message with just those would give.</summary>
    public ValueTask WriteAtMostOnceAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        if (MqttMetrics.SentMessages.Enabled || MqttMetrics.SentPayload.Enabled)
        {
            MqttMetrics.RecordSent(MqttQualityOfService.AtMostOnce, payload.Length, Tags);
        }

        PacketTrace.SentPublish(Logger, topic, MqttQualityOfService.AtMostOnce, retain, payload.Length);
        return Output.WriteAsync((connection: this, topic, payload, retain), static (writer, state) =>
        {
            var (wireTopic, alias) = state.connection.OutboundAliases.Apply(state.topic);
            MqttPacketWriter.WritePublish(writer, AtMostOnceFields(wireTopic, alias, state.payload, state.retain), state.connection.Version);
        }, cancellationToken);
    }

    private static MqttPublishFields AtMostOnceFields(string topic, ushort? alias, ReadOnlyMemory<byte> payload, bool retain) => new()
    {
        Topic = topic,
        TopicAlias = alias,
        Payload = payload,
        Retain = retain,
    };

    // The PUBLISH is encoded from the message's fields straight into the output buffer: no packet object per message.
    public ValueTask WritePublishAsync(MqttMessage message, ushort packetId, bool duplicate, CancellationToken cancellationToken)
    {
        if (!duplicate && (MqttMetrics.SentMessages.Enabled || MqttMetrics.SentPayload.Enabled))
        {
            MqttMetrics.RecordSent(message, Tags);
        }

        if (packetId != 0 && MqttMetrics.PublishDuration.Enabled)
        {
            NotePublishStarted(packetId, message.QualityOfService);
        }

        PacketTrace.SentPublish(Logger, message, packetId, duplicate);
        return Output.WriteAsync((connection: this, message, packetId, duplicate), static (writer, state) =>
        {
            // Aliases are chosen here, under the output buffer's lock, so an alias is always defined on the wire
            // before a PUBLISH uses it alone. A retransmission always carries the full topic.
            var (topic, alias) = state.duplicate ? (state.message.Topic, (ushort?)null) : state.connection.OutboundAliases.Apply(state.message.Topic);
            MqttPacketWriter.WritePublish(writer, ToFields(state.message, state.packetId, state.duplicate, topic, alias), state.connection.Version);
        }, cancellationToken);
    }

    public ValueTask WriteAckAsync(MqttAck ack, CancellationToken cancellationToken)
    {
        PacketTrace.SentAck(Logger, ack);
        return Output.WriteAsync((ack, Version), static (writer, state) => MqttPacketWriter.WriteAck(writer, state.ack, state.Version), cancellationToken);
    }

    public ValueTask WritePacketAsync(MqttPacket packet, CancellationToken cancellationToken) =>
        Output.WriteAsync((packet, Version), static (writer, state) => MqttPacketWriter.Write(writer, state.packet, state.Version), cancellationToken);

    private static MqttPublishFields ToFields(MqttMessage message, ushort packetId, bool duplicate, string topic, ushort? alias) => new()
    {
        Topic = topic,
        TopicAlias = alias,
        Payload = message.Payload,
        QualityOfService = message.QualityOfService,
        Retain = message.Retain,
        Duplicate = duplicate,
        PacketId = packetId,
        PayloadFormatIndicator = message.PayloadFormat,
        MessageExpiryInterval = message.MessageExpiry is { } expiry ? (uint)expiry.TotalSeconds : null,
        ContentType = message.ContentType,
        ResponseTopic = message.ResponseTopic,
        CorrelationData = message.CorrelationData,
        UserProperties = message.UserProperties,
    };

    /// <summary>Sends a resumed session's flight again: PUBREL where PUBREC had arrived, else the PUBLISH with DUP.</summary>
    public ValueTask RetransmitAsync(Session.MqttOutgoingFlight flight, CancellationToken cancellationToken) =>
        flight.State == Session.MqttOutgoingFlightState.AwaitingPubComp
            ? WriteAckAsync(new MqttAck(MqttPacketType.PubRel, flight.PacketId), cancellationToken)

            // [MQTT-4.4.0-1] [MQTT-3.3.1-1]: same packet id, DUP set, full topic (aliases do not survive connections).
            : WritePublishAsync(flight.Message, flight.PacketId, duplicate: true, cancellationToken);
}
