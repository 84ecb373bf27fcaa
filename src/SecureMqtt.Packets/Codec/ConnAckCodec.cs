// CONNACK (MQTT 3.1.1 section 3.2, MQTT 5.0 section 3.2)
//
//  byte 1        | 0 0 1 0 | 0 0 0 0 |
//  byte 2..5     | Remaining Length (VBI): 2 under 3.1.1
//  variable hdr  | Connect Acknowledge Flags: bits 7-1 reserved (0), bit 0 Session Present
//                | 3.1.1: Connect Return Code (0-5) / 5.0: Connect Reason Code
//                | [5.0] Property Length (VBI) + properties
using System.Buffers;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class ConnAckCodec
{
    public static MqttConnAckPacket Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        FixedHeader.Check(frame.Type, frame.Flags);
        var reader = new SequenceReader<byte>(frame.Body);
        if (version != MqttProtocolVersion.V500 && reader.Remaining != 2)
        {
            Malformed.Throw($"CONNACK has Remaining Length {reader.Remaining}; MQTT 3.1.1 requires 2", "3.2.1");
        }

        var acknowledgeFlags = WireReader.ReadByte(ref reader, "Connect Acknowledge Flags");
        if ((acknowledgeFlags & 0xFE) != 0)
        {
            Malformed.Throw("CONNACK reserved acknowledge flags (bits 7-1) are set", "MQTT-3.2.2-1");
        }

        var code = WireReader.ReadByte(ref reader, "Connect Reason Code");
        var reasonCode = version == MqttProtocolVersion.V500 ? (MqttReasonCode)code : FromReturnCode(code);
        if (!IsValid(reasonCode))
        {
            Malformed.ThrowProtocolError($"CONNACK has Reason Code 0x{code:X2}, which is not defined for it", "3.2.2.2");
        }

        var sessionPresent = (acknowledgeFlags & 1) != 0;
        if (sessionPresent && reasonCode != MqttReasonCode.Success)
        {
            Malformed.ThrowProtocolError("CONNACK refuses the connection but claims Session Present",
                version == MqttProtocolVersion.V500 ? "MQTT-3.2.2-6" : "MQTT-3.2.2-4");
        }

        var p = default(MqttProperties);
        if (version == MqttProtocolVersion.V500)
        {
            PropertyReader.Read(ref reader, PropertyContext.ConnAck, "CONNACK", ref p);
            WireReader.EnsureConsumed(ref reader, "CONNACK");
        }

        return new MqttConnAckPacket
        {
            SessionPresent = sessionPresent,
            ReasonCode = reasonCode,
            SessionExpiryInterval = p.SessionExpiryInterval,
            ReceiveMaximum = p.ReceiveMaximum,
            MaximumQoS = (MqttQualityOfService?)p.MaximumQoS,
            RetainAvailable = MqttProperties.AsBool(p.RetainAvailable),
            MaximumPacketSize = p.MaximumPacketSize,
            AssignedClientIdentifier = p.AssignedClientIdentifier,
            TopicAliasMaximum = p.TopicAliasMaximum,
            ReasonString = p.ReasonString,
            UserProperties = p.UserPropertiesOrEmpty,
            WildcardSubscriptionAvailable = MqttProperties.AsBool(p.WildcardSubscriptionAvailable),
            SubscriptionIdentifiersAvailable = MqttProperties.AsBool(p.SubscriptionIdentifierAvailable),
            SharedSubscriptionAvailable = MqttProperties.AsBool(p.SharedSubscriptionAvailable),
            ServerKeepAlive = p.ServerKeepAlive,
            ResponseInformation = p.ResponseInformation,
            ServerReference = p.ServerReference,
            AuthenticationMethod = p.AuthenticationMethod,
            AuthenticationData = p.AuthenticationData,
        };
    }

    public static int GetRemainingLength(MqttConnAckPacket packet, MqttProtocolVersion version, out int propertiesLength)
    {
        propertiesLength = 0;
        if (version != MqttProtocolVersion.V500)
        {
            _ = ToReturnCode(packet.ReasonCode);
            return 2;
        }

        if (packet.MaximumQoS > MqttQualityOfService.AtLeastOnce)
        {
            // 3.2.2.3.4: Maximum QoS is sent only as 0 or 1; absence means 2.
            throw new ArgumentException("CONNACK Maximum QoS is sent only as 0 or 1 (absent means 2).", nameof(packet));
        }

        propertiesLength = PropertySize.UInt32(packet.SessionExpiryInterval)
            + PropertySize.String(packet.AssignedClientIdentifier, nameof(packet.AssignedClientIdentifier))
            + PropertySize.UInt16(packet.ServerKeepAlive)
            + PropertySize.Authentication(packet.AuthenticationMethod, packet.AuthenticationData)
            + PropertySize.String(packet.ResponseInformation, nameof(packet.ResponseInformation))
            + PropertySize.String(packet.ServerReference, nameof(packet.ServerReference))
            + PropertySize.String(packet.ReasonString, nameof(packet.ReasonString))
            + PropertySize.NonZero(packet.ReceiveMaximum, nameof(packet.ReceiveMaximum))
            + PropertySize.UInt16(packet.TopicAliasMaximum)
            + PropertySize.Byte((byte?)packet.MaximumQoS)
            + PropertySize.Byte(PropertySize.Flag(packet.RetainAvailable))
            + PropertySize.UserProperties(packet.UserProperties)
            + PropertySize.NonZero(packet.MaximumPacketSize, nameof(packet.MaximumPacketSize))
            + PropertySize.Byte(PropertySize.Flag(packet.WildcardSubscriptionAvailable))
            + PropertySize.Byte(PropertySize.Flag(packet.SubscriptionIdentifiersAvailable))
            + PropertySize.Byte(PropertySize.Flag(packet.SharedSubscriptionAvailable));
        return 2 + PropertySize.Block(propertiesLength);
    }

    public static int Write(IBufferWriter<byte> output, MqttConnAckPacket packet, MqttProtocolVersion version)
    {
        var remainingLength = GetRemainingLength(packet, version, out var propertiesLength);
        var size = WireSize.Packet(remainingLength, "CONNACK");
        var writer = new WireWriter(output.GetSpan(size));
        writer.WriteFixedHeader(MqttPacketType.ConnAck, 0, remainingLength);
        writer.WriteByte(packet.SessionPresent ? (byte)1 : (byte)0);
        if (version != MqttProtocolVersion.V500)
        {
            writer.WriteByte(ToReturnCode(packet.ReasonCode));
        }
        else
        {
            writer.WriteByte((byte)packet.ReasonCode);
            writer.WriteVariableByteInteger((uint)propertiesLength);
            PropertyWriter.UInt32(ref writer, PropertyId.SessionExpiryInterval, packet.SessionExpiryInterval);
            PropertyWriter.String(ref writer, PropertyId.AssignedClientIdentifier, packet.AssignedClientIdentifier);
            PropertyWriter.UInt16(ref writer, PropertyId.ServerKeepAlive, packet.ServerKeepAlive);
            PropertyWriter.String(ref writer, PropertyId.AuthenticationMethod, packet.AuthenticationMethod);
            PropertyWriter.Binary(ref writer, PropertyId.AuthenticationData, packet.AuthenticationData);
            PropertyWriter.String(ref writer, PropertyId.ResponseInformation, packet.ResponseInformation);
            PropertyWriter.String(ref writer, PropertyId.ServerReference, packet.ServerReference);
            PropertyWriter.String(ref writer, PropertyId.ReasonString, packet.ReasonString);
            PropertyWriter.UInt16(ref writer, PropertyId.ReceiveMaximum, packet.ReceiveMaximum);
            PropertyWriter.UInt16(ref writer, PropertyId.TopicAliasMaximum, packet.TopicAliasMaximum);
            PropertyWriter.Byte(ref writer, PropertyId.MaximumQoS, (byte?)packet.MaximumQoS);
            PropertyWriter.Byte(ref writer, PropertyId.RetainAvailable, PropertySize.Flag(packet.RetainAvailable));
            PropertyWriter.UserProperties(ref writer, packet.UserProperties);
            PropertyWriter.UInt32(ref writer, PropertyId.MaximumPacketSize, packet.MaximumPacketSize);
            PropertyWriter.Byte(ref writer, PropertyId.WildcardSubscriptionAvailable, PropertySize.Flag(packet.WildcardSubscriptionAvailable));
            PropertyWriter.Byte(ref writer, PropertyId.SubscriptionIdentifierAvailable, PropertySize.Flag(packet.SubscriptionIdentifiersAvailable));
            PropertyWriter.Byte(ref writer, PropertyId.SharedSubscriptionAvailable, PropertySize.Flag(packet.SharedSubscriptionAvailable));
        }

        Debug.Assert(writer.Position == size, "CONNACK size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    /// <summary>MQTT 3.1.1 return codes 0-5 (table 3.1) onto their MQTT 5 reason codes; anything else stays invalid.</summary>
    private static MqttReasonCode FromReturnCode(byte code) => code switch
    {
        0 => MqttReasonCode.Success,
        1 => MqttReasonCode.UnsupportedProtocolVersion,
        2 => MqttReasonCode.ClientIdentifierNotValid,
        3 => MqttReasonCode.ServerUnavailable,
        4 => MqttReasonCode.BadUserNameOrPassword,
        5 => MqttReasonCode.NotAuthorized,
        _ => (MqttReasonCode)0xFF,
    };

    private static byte ToReturnCode(MqttReasonCode code) => code switch
    {
        MqttReasonCode.Success => 0,
        MqttReasonCode.UnsupportedProtocolVersion => 1,
        MqttReasonCode.ClientIdentifierNotValid => 2,
        MqttReasonCode.ServerUnavailable => 3,
        MqttReasonCode.BadUserNameOrPassword => 4,
        MqttReasonCode.NotAuthorized => 5,
        _ => throw new ArgumentException($"CONNACK reason {code} has no MQTT 3.1.1 return code.", nameof(code)),
    };

    private static bool IsValid(MqttReasonCode code) => code is MqttReasonCode.Success or MqttReasonCode.UnspecifiedError
        or MqttReasonCode.MalformedPacket or MqttReasonCode.ProtocolError or MqttReasonCode.ImplementationSpecificError
        or MqttReasonCode.UnsupportedProtocolVersion or MqttReasonCode.ClientIdentifierNotValid
        or MqttReasonCode.BadUserNameOrPassword or MqttReasonCode.NotAuthorized or MqttReasonCode.ServerUnavailable
        or MqttReasonCode.ServerBusy or MqttReasonCode.Banned or MqttReasonCode.BadAuthenticationMethod
        or MqttReasonCode.TopicNameInvalid or MqttReasonCode.PacketTooLarge or MqttReasonCode.QuotaExceeded
        or MqttReasonCode.PayloadFormatInvalid or MqttReasonCode.RetainNotSupported or MqttReasonCode.QoSNotSupported
        or MqttReasonCode.UseAnotherServer or MqttReasonCode.ServerMoved or MqttReasonCode.ConnectionRateExceeded;
}
