// DISCONNECT (MQTT 3.1.1 section 3.14, MQTT 5.0 section 3.14)
//
//  byte 1        | 1 1 1 0 | 0 0 0 0 |
//  byte 2..5     | Remaining Length (VBI): 0 under 3.1.1; under 5.0 0 (Normal disconnection, no properties),
//                |   1 (Reason Code only) or 2+ (Reason Code and properties) [3.14.2.2.1]
//  variable hdr  | [5.0] Reason Code (1 byte)
//                | [5.0] Property Length (VBI) + properties (Session Expiry Interval, Reason String, User Property, Server Reference)
using System.Buffers;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class DisconnectCodec
{
    public static MqttDisconnectPacket Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        FixedHeader.Check(frame.Type, frame.Flags);
        var reader = new SequenceReader<byte>(frame.Body);
        if (version != MqttProtocolVersion.V500)
        {
            if (!reader.End)
            {
                Malformed.Throw($"DISCONNECT has Remaining Length {reader.Remaining}; MQTT 3.1.1 requires 0", "3.14.1");
            }

            return new MqttDisconnectPacket();
        }

        if (!ReasonCodeAndProperties.TryRead(ref reader, "DISCONNECT", PropertyContext.Disconnect, IsDefined, "3.14.2.1", out var reasonCode, out var p))
        {
            return new MqttDisconnectPacket();
        }

        return new MqttDisconnectPacket
        {
            ReasonCode = reasonCode,
            SessionExpiryInterval = p.SessionExpiryInterval,
            ReasonString = p.ReasonString,
            UserProperties = p.UserPropertiesOrEmpty,
            ServerReference = p.ServerReference,
        };
    }

    public static int GetRemainingLength(MqttDisconnectPacket packet, MqttProtocolVersion version, out int propertiesLength)
    {
        propertiesLength = 0;
        if (version != MqttProtocolVersion.V500)
        {
            return 0;
        }

        if (!IsDefined(packet.ReasonCode))
        {
            throw new ArgumentException($"DISCONNECT reason code {packet.ReasonCode} is not defined for DISCONNECT.", nameof(packet));
        }

        propertiesLength = PropertySize.UInt32(packet.SessionExpiryInterval)
            + PropertySize.String(packet.ServerReference, nameof(packet.ServerReference))
            + PropertySize.String(packet.ReasonString, nameof(packet.ReasonString))
            + PropertySize.UserProperties(packet.UserProperties);
        if (propertiesLength == 0)
        {
            return packet.ReasonCode == MqttReasonCode.NormalDisconnection ? 0 : 1;
        }

        return 1 + PropertySize.Block(propertiesLength);
    }

    public static int Write(IBufferWriter<byte> output, MqttDisconnectPacket packet, MqttProtocolVersion version)
    {
        var remainingLength = GetRemainingLength(packet, version, out var propertiesLength);
        var size = WireSize.Packet(remainingLength, "DISCONNECT");
        var writer = new WireWriter(output.GetSpan(size));
        writer.WriteFixedHeader(MqttPacketType.Disconnect, 0, remainingLength);
        if (remainingLength > 0)
        {
            writer.WriteByte((byte)packet.ReasonCode);
        }

        if (propertiesLength > 0)
        {
            writer.WriteVariableByteInteger((uint)propertiesLength);
            PropertyWriter.UInt32(ref writer, PropertyId.SessionExpiryInterval, packet.SessionExpiryInterval);
            PropertyWriter.String(ref writer, PropertyId.ServerReference, packet.ServerReference);
            PropertyWriter.String(ref writer, PropertyId.ReasonString, packet.ReasonString);
            PropertyWriter.UserProperties(ref writer, packet.UserProperties);
        }

        Debug.Assert(writer.Position == size, "DISCONNECT size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    private static bool IsDefined(MqttReasonCode code) => code is MqttReasonCode.NormalDisconnection
        or MqttReasonCode.DisconnectWithWillMessage
        or (>= MqttReasonCode.UnspecifiedError and <= MqttReasonCode.ImplementationSpecificError)
        or MqttReasonCode.NotAuthorized or MqttReasonCode.ServerBusy or MqttReasonCode.ServerShuttingDown
        or (>= MqttReasonCode.KeepAliveTimeout and <= MqttReasonCode.TopicNameInvalid)
        or (>= MqttReasonCode.ReceiveMaximumExceeded and <= MqttReasonCode.WildcardSubscriptionsNotSupported);
}
