namespace SecureMqtt.Packets;

/// <summary>PUBLISH: an application message in either direction.</summary>
public sealed class MqttPublishPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Publish;

    /// <summary>The topic name; may be empty in MQTT 5 when a <see cref="TopicAlias"/> stands for it.</summary>
    public required string Topic { get; init; }

    /// <summary>The application payload. A decoded packet owns a copy (it does not point into the receive buffer).</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The delivery guarantee.</summary>
    public MqttQualityOfService QualityOfService { get; init; }

    /// <summary>Whether the server retains the message.</summary>
    public bool Retain { get; init; }

    /// <summary>Whether this is a redelivery; settable so a retransmission can mark the same packet.</summary>
    public bool Duplicate { get; set; }

    /// <summary>The packet identifier; 0 for QoS 0, non-zero otherwise.</summary>
    public ushort PacketId { get; init; }

    /// <summary>MQTT 5: what the payload claims to be; null when absent.</summary>
    public MqttPayloadFormatIndicator? PayloadFormatIndicator { get; init; }

    /// <summary>MQTT 5: lifetime in seconds; null when absent (no expiry).</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>MQTT 5: topic alias; null when absent. Never 0 on the wire.</summary>
    public ushort? TopicAlias { get; init; }

    /// <summary>MQTT 5: topic for a response; null when absent.</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5: correlation data for a response; null when absent.</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>MQTT 5: user properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>MQTT 5: identifiers of the subscriptions that matched (server to client only).</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get; init; } = [];

    /// <summary>MQTT 5: the payload's content type; null when absent.</summary>
    public string? ContentType { get; init; }
}
