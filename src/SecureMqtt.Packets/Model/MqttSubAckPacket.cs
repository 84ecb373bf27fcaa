namespace SecureMqtt.Packets;

/// <summary>SUBACK: one reason code per filter of the SUBSCRIBE, in order.</summary>
public sealed class MqttSubAckPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.SubAck;

    /// <summary>The packet identifier of the SUBSCRIBE.</summary>
    public ushort PacketId { get; init; }

    /// <summary>Granted QoS or failure per filter; MQTT 3.1.1 failure (0x80) is UnspecifiedError.</summary>
    public IReadOnlyList<MqttReasonCode> ReasonCodes { get; init; } = [];

    /// <summary>MQTT 5: human-readable diagnostics; null when absent.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5: user properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
