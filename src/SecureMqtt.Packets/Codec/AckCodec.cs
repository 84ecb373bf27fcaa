// PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 3.1.1 sections 3.4-3.7, MQTT 5.0 sections 3.4-3.7)
//
//  byte 1        | type (4, 5, 6, 7) | flags 0000 (PUBREL: 0010)
//  byte 2        | Remaining Length: 2 under 3.1.1; under 5.0 2 (Success, no properties),
//                |   3 (Reason Code, no properties) or 4+ (Reason Code and properties) [MQTT-3.4.2.1]
//  variable hdr  | Packet Identifier (2 bytes)
//                | [5.0] Reason Code (1 byte)
//                | [5.0] Property Length (VBI) + properties (Reason String, User Property)
//
// These run on every QoS 1/2 message, so neither direction allocates unless properties are present.
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class AckCodec
{
    public static MqttAck Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        var type = frame.Type;
        if (type is < MqttPacketType.PubAck or > MqttPacketType.PubComp)
        {
            throw new ArgumentException($"{FixedHeader.Name(type)} is not PUBACK, PUBREC, PUBREL or PUBCOMP.", nameof(frame));
        }

        FixedHeader.Check(type, frame.Flags);
        var body = frame.Body;
        if (body.Length == 2 && body.IsSingleSegment)
        {
            // The common case in both versions: just a packet identifier, Success implied.
            var id = BinaryPrimitives.ReadUInt16BigEndian(body.FirstSpan);
            if (id != 0)
            {
                return new MqttAck(type, id);
            }
        }

        var reader = new SequenceReader<byte>(body);
        if (version != MqttProtocolVersion.V500 && reader.Remaining != 2)
        {
            Malformed.Throw($"{FixedHeader.Name(type)} has Remaining Length {reader.Remaining}; MQTT 3.1.1 requires 2", "3.4.1");
        }

        var packetId = WireReader.ReadPacketId(ref reader);
        if (reader.End)
        {
            // [MQTT-3.4.2.1] No Reason Code means Success.
            return new MqttAck(type, packetId);
        }

        var reasonCode = (MqttReasonCode)WireReader.ReadByte(ref reader, "Reason Code");
        if (!IsValid(type, reasonCode))
        {
            Malformed.ThrowProtocolError($"{FixedHeader.Name(type)} has Reason Code 0x{(byte)reasonCode:X2}, which is not defined for it", "3.4.2.1");
        }

        if (reader.End)
        {
            return new MqttAck(type, packetId, reasonCode);
        }

        if (reader.Remaining == 1 && reader.IsNext(0, advancePast: true))
        {
            // An empty property block: nothing to allocate.
            return new MqttAck(type, packetId, reasonCode);
        }

        var properties = default(MqttProperties);
        PropertyReader.Read(ref reader, PropertyContext.Ack, FixedHeader.Name(type), ref properties);
        WireReader.EnsureConsumed(ref reader, FixedHeader.Name(type));
        return new MqttAck(type, packetId, reasonCode)
        {
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserPropertiesOrEmpty,
        };
    }

    public static int GetRemainingLength(in MqttAck ack, MqttProtocolVersion version, out int propertiesLength)
    {
        if (ack.Type is < MqttPacketType.PubAck or > MqttPacketType.PubComp)
        {
            throw new ArgumentException("an acknowledgement is PUBACK, PUBREC, PUBREL or PUBCOMP.", nameof(ack));
        }

        WireSize.RequirePacketId(ack.PacketId, FixedHeader.Name(ack.Type));
        propertiesLength = 0;
        if (version != MqttProtocolVersion.V500)
        {
            return 2;
        }

        propertiesLength = PropertySize.String(ack.ReasonString, nameof(ack.ReasonString))
            + PropertySize.UserProperties(ack.UserProperties);
        if (propertiesLength == 0)
        {
            // [MQTT-3.4.2.1] The short forms: Success alone needs no Reason Code, no properties need no Property Length.
            return ack.ReasonCode == MqttReasonCode.Success ? 2 : 3;
        }

        return 3 + PropertySize.Block(propertiesLength);
    }

    public static int Write(IBufferWriter<byte> output, in MqttAck ack, MqttProtocolVersion version)
    {
        var remainingLength = GetRemainingLength(ack, version, out var propertiesLength);
        var size = 1 + VariableByteInteger.GetSize((uint)remainingLength) + remainingLength;
        var writer = new WireWriter(output.GetSpan(size));
        writer.WriteFixedHeader(ack.Type, FixedHeader.RequiredFlags(ack.Type), remainingLength);
        writer.WriteUInt16(ack.PacketId);
        if (remainingLength > 2)
        {
            writer.WriteByte((byte)ack.ReasonCode);
        }

        if (propertiesLength > 0)
        {
            writer.WriteVariableByteInteger((uint)propertiesLength);
            PropertyWriter.String(ref writer, PropertyId.ReasonString, ack.ReasonString);
            PropertyWriter.UserProperties(ref writer, ack.UserProperties);
        }

        Debug.Assert(writer.Position == size, "acknowledgement size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    private static bool IsValid(MqttPacketType type, MqttReasonCode code) => type is MqttPacketType.PubAck or MqttPacketType.PubRec
        ? code is MqttReasonCode.Success or MqttReasonCode.NoMatchingSubscribers or MqttReasonCode.UnspecifiedError
            or MqttReasonCode.ImplementationSpecificError or MqttReasonCode.NotAuthorized or MqttReasonCode.TopicNameInvalid
            or MqttReasonCode.PacketIdentifierInUse or MqttReasonCode.QuotaExceeded or MqttReasonCode.PayloadFormatInvalid
        : code is MqttReasonCode.Success or MqttReasonCode.PacketIdentifierNotFound;
}
