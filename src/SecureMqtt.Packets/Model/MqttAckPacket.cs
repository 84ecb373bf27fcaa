namespace SecureMqtt.Packets;

/// <summary>PUBACK, PUBREC, PUBREL or PUBCOMP on the general (allocating) decode path.</summary>
public sealed class MqttAckPacket : MqttPacket
{
    /// <summary>Wraps an acknowledgement.</summary>
    /// <param name="ack">The acknowledgement.</param>
    public MqttAckPacket(MqttAck ack) => Ack = ack;

    /// <inheritdoc />
    public override MqttPacketType Type => Ack.Type;

    /// <summary>The acknowledgement.</summary>
    public MqttAck Ack { get; init; }
}
