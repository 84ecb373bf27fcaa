namespace SecureMqtt.Packets;

/// <summary>Helpers over <see cref="MqttPacketType"/>.</summary>
public static class MqttPacketTypeExtensions
{
    /// <summary>
    /// The control packet's name as the specification spells it ("PUBACK", "UNSUBSCRIBE"), for messages and logs,
    /// so that every layer names packets the same way.
    /// </summary>
    /// <param name="type">The packet type.</param>
    /// <returns>The name, or "reserved packet type" for a value the specification does not define.</returns>
    public static string ToSpecificationName(this MqttPacketType type) => FixedHeader.Name(type);
}
