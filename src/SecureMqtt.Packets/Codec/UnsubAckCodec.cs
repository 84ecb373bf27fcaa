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

        var packetId = WireReader.ReadPacketId(ref reader);
        var p = default(MqttProperties);
        PropertyReader.Read(ref reader, PropertyContext.UnsubAck, "UNSUBACK", ref p);
        if (reader.End)
        {
            Malformed.ThrowProtocolError("UNSUBACK contains no reason code", "3.11.3");
        }

        var codes = new MqttReasonCode[reader.Remaining];
        for (var i = 0; i < codes.Length; i++)
        {
            reader.TryRead(out var code);
            codes[i] = (MqttReasonCode)code;
            if (!IsValid(codes[i]))
            {
                Malformed.ThrowProtocolError($"UNSUBACK has Reason Code 0x{code:X2}, which is not defined for it", "3.11.3");
            }
        }

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
        if (codes.Count == 0)
        {
            throw new ArgumentException("MQTT 5 UNSUBACK needs at least one reason code.", nameof(packet));
        }

        for (var i = 0; i < codes.Count; i++)
        {
            if (!IsValid(codes[i]))
            {
                throw new ArgumentException($"UNSUBACK reason code {codes[i]} is not defined for UNSUBACK.", nameof(packet));
            }
        }

        propertiesLength = PropertySize.String(packet.ReasonString, nameof(packet.ReasonString)) + PropertySize.UserProperties(packet.UserProperties);
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
            writer.WriteVariableByteInteger((uint)propertiesLength);
            PropertyWriter.String(ref writer, PropertyId.ReasonString, packet.ReasonString);
            PropertyWriter.UserProperties(ref writer, packet.UserProperties);
            var codes = packet.ReasonCodes;
            for (var i = 0; i < codes.Count; i++)
            {
                writer.WriteByte((byte)codes[i]);
            }
        }

        Debug.Assert(writer.Position == size, "UNSUBACK size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    private static bool IsValid(MqttReasonCode code) => code is MqttReasonCode.Success or MqttReasonCode.NoSubscriptionExisted
        or MqttReasonCode.UnspecifiedError or MqttReasonCode.ImplementationSpecificError or MqttReasonCode.NotAuthorized
        or MqttReasonCode.TopicFilterInvalid or MqttReasonCode.PacketIdentifierInUse;
}
