// UNSUBSCRIBE (MQTT 3.1.1 section 3.10, MQTT 5.0 section 3.10)
//
//  byte 1        | 1 0 1 0 | 0 0 1 0 |   (flags 0010 are fixed [MQTT-3.10.1-1])
//  byte 2..5     | Remaining Length (VBI)
//  variable hdr  | Packet Identifier (2 bytes, non-zero)
//                | [5.0] Property Length (VBI) + properties (User Property)
//  payload       | one or more Topic Filters (string)
using System.Buffers;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class UnsubscribeCodec
{
    public static MqttUnsubscribePacket Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        FixedHeader.Check(frame.Type, frame.Flags);
        var reader = new SequenceReader<byte>(frame.Body);
        var p = default(MqttProperties);
        var packetId = PacketIdHeader.Read(ref reader, version == MqttProtocolVersion.V500, PropertyContext.Unsubscribe, "UNSUBSCRIBE", ref p);

        var filters = new List<string>();
        while (!reader.End)
        {
            var filter = WireReader.ReadString(ref reader, "Topic Filter");
            if (!MqttTopic.IsValidTopicFilter(filter, out var error))
            {
                Malformed.Throw(MqttReasonCode.TopicFilterInvalid, $"UNSUBSCRIBE topic filter '{filter}' is invalid: {error}", "MQTT-4.7.1-1");
            }

            filters.Add(filter);
        }

        if (filters.Count == 0)
        {
            Malformed.ThrowProtocolError("UNSUBSCRIBE contains no topic filter", "MQTT-3.10.3-2");
        }

        return new MqttUnsubscribePacket { PacketId = packetId, TopicFilters = filters, UserProperties = p.UserPropertiesOrEmpty };
    }

    public static long GetRemainingLength(MqttUnsubscribePacket packet, MqttProtocolVersion version, out int propertiesLength)
    {
        WireSize.RequirePacketId(packet.PacketId, "UNSUBSCRIBE");
        var filters = packet.TopicFilters;
        if (filters.Count == 0)
        {
            throw new ArgumentException("UNSUBSCRIBE needs at least one topic filter.", nameof(packet));
        }

        long length = 2;
        propertiesLength = 0;
        if (version == MqttProtocolVersion.V500)
        {
            propertiesLength = PropertySize.UserProperties(packet.UserProperties);
            length += PropertySize.Block(propertiesLength);
        }

        for (var i = 0; i < filters.Count; i++)
        {
            if (!MqttTopic.IsValidTopicFilter(filters[i], out var error))
            {
                throw new ArgumentException($"topic filter '{filters[i]}' is invalid: {error}", nameof(packet));
            }

            length += WireSize.String(filters[i], "TopicFilters");
        }

        return length;
    }

    public static int Write(IBufferWriter<byte> output, MqttUnsubscribePacket packet, MqttProtocolVersion version)
    {
        var remainingLength = GetRemainingLength(packet, version, out var propertiesLength);
        var size = WireSize.Packet(remainingLength, "UNSUBSCRIBE");
        var writer = new WireWriter(output.GetSpan(size));
        writer.WriteFixedHeader(MqttPacketType.Unsubscribe, 0b0010, (int)remainingLength);
        writer.WriteUInt16(packet.PacketId);
        if (version == MqttProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger((uint)propertiesLength);
            PropertyWriter.UserProperties(ref writer, packet.UserProperties);
        }

        var filters = packet.TopicFilters;
        for (var i = 0; i < filters.Count; i++)
        {
            writer.WriteString(filters[i]);
        }

        Debug.Assert(writer.Position == size, "UNSUBSCRIBE size computation and writing disagree");
        output.Advance(size);
        return size;
    }
}
