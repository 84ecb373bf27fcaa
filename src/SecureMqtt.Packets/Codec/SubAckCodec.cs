// SUBACK (MQTT 3.1.1 section 3.9, MQTT 5.0 section 3.9)
//
//  byte 1        | 1 0 0 1 | 0 0 0 0 |
//  byte 2..5     | Remaining Length (VBI)
//  variable hdr  | Packet Identifier (2 bytes)
//                | [5.0] Property Length (VBI) + properties (Reason String, User Property)
//  payload       | one Reason Code per filter of the SUBSCRIBE, in order
//                |   3.1.1: 0x00, 0x01, 0x02 (granted QoS), 0x80 (failure)
using System.Buffers;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class SubAckCodec
{
    public static MqttSubAckPacket Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        FixedHeader.Check(frame.Type, frame.Flags);
        var reader = new SequenceReader<byte>(frame.Body);
        var p = default(MqttProperties);
        var v5 = version == MqttProtocolVersion.V500;
        var packetId = PacketIdHeader.Read(ref reader, v5, PropertyContext.SubAck, "SUBACK", ref p);
        var codes = ReasonCodeList.Read(ref reader, "SUBACK", v5 ? IsDefinedV5 : IsDefinedV311, "3.9.3", v5 ? "3.9.3" : "MQTT-3.9.3-2");
        return new MqttSubAckPacket { PacketId = packetId, ReasonCodes = codes, ReasonString = p.ReasonString, UserProperties = p.UserPropertiesOrEmpty };
    }

    public static long GetRemainingLength(MqttSubAckPacket packet, MqttProtocolVersion version, out int propertiesLength)
    {
        WireSize.RequirePacketId(packet.PacketId, "SUBACK");
        var v5 = version == MqttProtocolVersion.V500;
        var codes = packet.ReasonCodes;
        ReasonCodeList.Require(codes, "SUBACK", v5 ? IsDefinedV5 : IsDefinedV311, nameof(packet));
        propertiesLength = 0;
        long length = 2 + codes.Count;
        if (v5)
        {
            propertiesLength = ReasonCodeList.PropertiesLength(packet.ReasonString, packet.UserProperties);
            length += PropertySize.Block(propertiesLength);
        }

        return length;
    }

    public static int Write(IBufferWriter<byte> output, MqttSubAckPacket packet, MqttProtocolVersion version)
    {
        var remainingLength = GetRemainingLength(packet, version, out var propertiesLength);
        var size = WireSize.Packet(remainingLength, "SUBACK");
        var writer = new WireWriter(output.GetSpan(size));
        writer.WriteFixedHeader(MqttPacketType.SubAck, 0, (int)remainingLength);
        writer.WriteUInt16(packet.PacketId);
        if (version == MqttProtocolVersion.V500)
        {
            ReasonCodeList.WriteProperties(ref writer, propertiesLength, packet.ReasonString, packet.UserProperties);
        }

        ReasonCodeList.WriteCodes(ref writer, packet.ReasonCodes);
        Debug.Assert(writer.Position == size, "SUBACK size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    private static bool IsDefinedV311(MqttReasonCode code) => code is MqttReasonCode.GrantedQoS0 or MqttReasonCode.GrantedQoS1
        or MqttReasonCode.GrantedQoS2 or MqttReasonCode.UnspecifiedError;

    private static bool IsDefinedV5(MqttReasonCode code) => IsDefinedV311(code)
        || code is MqttReasonCode.ImplementationSpecificError or MqttReasonCode.NotAuthorized
            or MqttReasonCode.TopicFilterInvalid or MqttReasonCode.PacketIdentifierInUse or MqttReasonCode.QuotaExceeded
            or MqttReasonCode.SharedSubscriptionsNotSupported or MqttReasonCode.SubscriptionIdentifiersNotSupported
            or MqttReasonCode.WildcardSubscriptionsNotSupported;
}
