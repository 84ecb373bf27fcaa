namespace SecureMqtt.Packets;

/// <summary>An MQTT control packet. Decoded packets are built with object initializers and are not changed afterwards.</summary>
public abstract class MqttPacket
{
    /// <summary>The control packet type.</summary>
    public abstract MqttPacketType Type { get; }
}
