using System.Buffers;

namespace SecureMqtt.Packets;

/// <summary>
/// The variable header that SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK share (sections 3.8.2, 3.9.2, 3.10.2, 3.11.2):
/// a Packet Identifier, then under MQTT 5.0 a property block.
/// </summary>
internal static class PacketIdHeader
{
    public static ushort Read(ref SequenceReader<byte> reader, bool v5, PropertyContext context, string packet, ref MqttProperties properties)
    {
        var packetId = WireReader.ReadPacketId(ref reader);
        if (v5)
        {
            PropertyReader.Read(ref reader, context, packet, ref properties);
        }

        return packetId;
    }
}
