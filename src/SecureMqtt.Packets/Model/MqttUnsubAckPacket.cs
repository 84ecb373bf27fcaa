namespace SecureMqtt.Packets;

/// <summary>UNSUBACK: the server's answer to UNSUBSCRIBE.</summary>
public sealed class MqttUnsubAckPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.UnsubAck;

    /// <summary>The packet identifier of the UNSUBSCRIBE.</summary>
    public ushort PacketId { get; init; }

    /// <summary>MQTT 5: one reason code per filter, in order; empty under MQTT 3.1.1.</summary>
    public IReadOnlyList<MqttReasonCode> ReasonCodes { get; init; } = [];

    /// <summary>MQTT 5: human-readable diagnostics; null when absent.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5: user properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
