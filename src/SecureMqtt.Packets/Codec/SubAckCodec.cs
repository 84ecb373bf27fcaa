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
        var packetId = WireReader.ReadPacketId(ref reader);
        var p = default(MqttProperties);
        var v5 = version == MqttProtocolVersion.V500;
        if (v5)
        {
            PropertyReader.Read(ref reader, PropertyContext.SubAck, "SUBACK", ref p);
        }

        if (reader.End)
        {
            Malformed.ThrowProtocolError("SUBACK contains no reason code", "3.9.3");
        }

        var codes = new MqttReasonCode[reader.Remaining];
        for (var i = 0; i < codes.Length; i++)
        {
            reader.TryRead(out var code);
            codes[i] = (MqttReasonCode)code;
            if (!IsValid(codes[i], v5))
            {
                Malformed.ThrowProtocolError($"SUBACK has Reason Code 0x{code:X2}, which is not defined for it", v5 ? "3.9.3" : "MQTT-3.9.3-2");
            }
        }

        return new MqttSubAckPacket { PacketId = packetId, ReasonCodes = codes, ReasonString = p.ReasonString, UserProperties = p.UserPropertiesOrEmpty };
    }

    public static long GetRemainingLength(MqttSubAckPacket packet, MqttProtocolVersion version, out int propertiesLength)
    {
        WireSize.RequirePacketId(packet.PacketId, "SUBACK");
        var v5 = version == MqttProtocolVersion.V500;
        var codes = packet.ReasonCodes;
        if (codes.Count == 0)
        {
            throw new ArgumentException("SUBACK needs at least one reason code.", nameof(packet));
        }

        for (var i = 0; i < codes.Count; i++)
        {
            if (!IsValid(codes[i], v5))
            {
                throw new ArgumentException($"SUBACK reason code {codes[i]} is not defined for this protocol version.", nameof(packet));
            }
        }

        propertiesLength = 0;
        long length = 2 + codes.Count;
        if (v5)
        {
            propertiesLength = PropertySize.String(packet.ReasonString, nameof(packet.ReasonString)) + PropertySize.UserProperties(packet.UserProperties);
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
            writer.WriteVariableByteInteger((uint)propertiesLength);
            PropertyWriter.String(ref writer, PropertyId.ReasonString, packet.ReasonString);
            PropertyWriter.UserProperties(ref writer, packet.UserProperties);
        }

        var codes = packet.ReasonCodes;
        for (var i = 0; i < codes.Count; i++)
        {
            writer.WriteByte((byte)codes[i]);
        }

        Debug.Assert(writer.Position == size, "SUBACK size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    private static bool IsValid(MqttReasonCode code, bool v5) => code is MqttReasonCode.GrantedQoS0 or MqttReasonCode.GrantedQoS1
        or MqttReasonCode.GrantedQoS2 or MqttReasonCode.UnspecifiedError
        || (v5 && code is MqttReasonCode.ImplementationSpecificError or MqttReasonCode.NotAuthorized
            or MqttReasonCode.TopicFilterInvalid or MqttReasonCode.PacketIdentifierInUse or MqttReasonCode.QuotaExceeded
            or MqttReasonCode.SharedSubscriptionsNotSupported or MqttReasonCode.SubscriptionIdentifiersNotSupported
            or MqttReasonCode.WildcardSubscriptionsNotSupported);
}
