// UNSUBACK (MQTT 3.1.1 section 3.11, MQTT 5.0 section 3.11)
//
//  byte 1        | 1 0 1 1 | 0 0 0 0 |
//  byte 2..5     | Remaining Length (VBI): 2 under 3.1.1
//  variable hdr  | Packet Identifier (2 bytes)
//                | [5.0] Property Length (VBI) + properties (Reason String, User Property)
//  payload       | [5.0] one Reason Code per filter of the UNSUBSCRIBE, in order
using System.Buffers;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class UnsubAckCodec
{
    public static MqttUnsubAckPacket Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        FixedHeader.Check(frame.Type, frame.Flags);
        var reader = new SequenceReader<byte>(frame.Body);
        if (version != MqttProtocolVersion.V500)
        {
            if (reader.Remaining != 2)
            {
                Malformed.Throw($"UNSUBACK has Remaining Length {reader.Remaining}; MQTT 3.1.1 requires 2", "3.11.1");
            }

            return new MqttUnsubAckPacket { PacketId = WireReader.ReadPacketId(ref reader) };
        }

        var p = default(MqttProperties);
        var packetId = PacketIdHeader.Read(ref reader, v5: true, PropertyContext.UnsubAck, "UNSUBACK", ref p);
        var codes = ReasonCodeList.Read(ref reader, "UNSUBACK", IsDefined, "3.11.3", "3.11.3");
        return new MqttUnsubAckPacket { PacketId = packetId, ReasonCodes = codes, ReasonString = p.ReasonString, UserProperties = p.UserPropertiesOrEmpty };
    }

    public static long GetRemainingLength(MqttUnsubAckPacket packet, MqttProtocolVersion version, out int propertiesLength)
    {
        WireSize.RequirePacketId(packet.PacketId, "UNSUBACK");
        propertiesLength = 0;
        if (version != MqttProtocolVersion.V500)
        {
            return 2;
        }

        var codes = packet.ReasonCodes;
        ReasonCodeList.Require(codes, "UNSUBACK", IsDefined, nameof(packet));
        propertiesLength = ReasonCodeList.PropertiesLength(packet.ReasonString, packet.UserProperties);
        return 2 + PropertySize.Block(propertiesLength) + codes.Count;
    }

    public static int Write(IBufferWriter<byte> output, MqttUnsubAckPacket packet, MqttProtocolVersion version)
    {
        var remainingLength = GetRemainingLength(packet, version, out var propertiesLength);
        var size = WireSize.Packet(remainingLength, "UNSUBACK");
        var writer = new WireWriter(output.GetSpan(size));
        writer.WriteFixedHeader(MqttPacketType.UnsubAck, 0, (int)remainingLength);
        writer.WriteUInt16(packet.PacketId);
        if (version == MqttProtocolVersion.V500)
        {
            ReasonCodeList.WriteProperties(ref writer, propertiesLength, packet.ReasonString, packet.UserProperties);
            ReasonCodeList.WriteCodes(ref writer, packet.ReasonCodes);
        }

        Debug.Assert(writer.Position == size, "UNSUBACK size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    private static bool IsDefined(MqttReasonCode code) => code is MqttReasonCode.Success or MqttReasonCode.NoSubscriptionExisted
        or MqttReasonCode.UnspecifiedError or MqttReasonCode.ImplementationSpecificError or MqttReasonCode.NotAuthorized
        or MqttReasonCode.TopicFilterInvalid or MqttReasonCode.PacketIdentifierInUse;
}
