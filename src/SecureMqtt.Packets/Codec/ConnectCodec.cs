// CONNECT (MQTT 3.1.1 section 3.1, MQTT 5.0 section 3.1)
//
//  byte 1        | 0 0 0 1 | 0 0 0 0 |
//  byte 2..5     | Remaining Length (VBI)
//  variable hdr  | Protocol Name: 00 04 'M' 'Q' 'T' 'T'
//                | Protocol Level: 04 (3.1.1) or 05 (5.0)
//                | Connect Flags: User Name(7) Password(6) Will Retain(5) Will QoS(4-3) Will(2) Clean Start(1) reserved(0)
//                | Keep Alive (2 bytes, seconds)
//                | [5.0] Property Length (VBI) + properties
//  payload       | Client Identifier (string)
//                | if Will:      [5.0] Will Property Length + Will properties, Will Topic (string), Will Payload (binary)
//                | if User Name: User Name (string)
//                | if Password:  Password (binary)
using System.Buffers;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class ConnectCodec
{
    private const byte UserNameFlag = 0x80;
    private const byte PasswordFlag = 0x40;
    private const byte WillRetainFlag = 0x20;
    private const byte WillFlag = 0x04;
    private const byte CleanStartFlag = 0x02;
    private const byte ReservedFlag = 0x01;

    public static MqttConnectPacket Decode(in MqttFrame frame)
    {
        FixedHeader.Check(frame.Type, frame.Flags);
        var reader = new SequenceReader<byte>(frame.Body);
        var protocolName = WireReader.ReadString(ref reader, "Protocol Name");
        if (protocolName != "MQTT")
        {
            Malformed.Throw(MqttReasonCode.UnsupportedProtocolVersion, $"CONNECT protocol name is '{protocolName}', not 'MQTT'", "MQTT-3.1.2-1");
        }

        var level = WireReader.ReadByte(ref reader, "Protocol Level");
        if (level is not ((byte)MqttProtocolVersion.V311 or (byte)MqttProtocolVersion.V500))
        {
            Malformed.Throw(MqttReasonCode.UnsupportedProtocolVersion, $"CONNECT protocol level {level} is not supported (4 = 3.1.1, 5 = 5.0)", "MQTT-3.1.2-2");
        }

        var version = (MqttProtocolVersion)level;
        var flags = WireReader.ReadByte(ref reader, "Connect Flags");
        if ((flags & ReservedFlag) != 0)
        {
            Malformed.Throw("CONNECT reserved flag (bit 0) is set", "MQTT-3.1.2-3");
        }

        var hasWill = (flags & WillFlag) != 0;
        var willQos = (flags >> 3) & 0b11;
        var willRetain = (flags & WillRetainFlag) != 0;
        if (willQos == 3)
        {
            Malformed.Throw("CONNECT Will QoS is 3", "MQTT-3.1.2-12");
        }

        if (!hasWill && willQos != 0)
        {
            Malformed.Throw("CONNECT has a Will QoS but no Will", "MQTT-3.1.2-11");
        }

        if (!hasWill && willRetain)
        {
            Malformed.Throw("CONNECT has Will Retain set but no Will", "MQTT-3.1.2-13");
        }

        var hasUserName = (flags & UserNameFlag) != 0;
        var hasPassword = (flags & PasswordFlag) != 0;
        if (version == MqttProtocolVersion.V311 && hasPassword && !hasUserName)
        {
            Malformed.Throw("MQTT 3.1.1 CONNECT has a password without a user name", "MQTT-3.1.2-22");
        }

        var keepAlive = WireReader.ReadUInt16(ref reader, "Keep Alive");
        var properties = default(MqttProperties);
        if (version == MqttProtocolVersion.V500)
        {
            PropertyReader.Read(ref reader, PropertyContext.Connect, "CONNECT", ref properties);
        }

        var clientId = WireReader.ReadString(ref reader, "Client Identifier");
        MqttWill? will = null;
        if (hasWill)
        {
            will = DecodeWill(ref reader, version, (MqttQualityOfService)willQos, willRetain);
        }

        var userName = hasUserName ? WireReader.ReadString(ref reader, "User Name") : null;
        var password = hasPassword ? WireReader.ReadBinary(ref reader, "Password") : (ReadOnlyMemory<byte>?)null;
        WireReader.EnsureConsumed(ref reader, "CONNECT");

        return new MqttConnectPacket
        {
            ProtocolVersion = version,
            ClientId = clientId,
            CleanStart = (flags & CleanStartFlag) != 0,
            KeepAliveSeconds = keepAlive,
            Username = userName,
            Password = password,
            Will = will,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReceiveMaximum = properties.ReceiveMaximum,
            MaximumPacketSize = properties.MaximumPacketSize,
            TopicAliasMaximum = properties.TopicAliasMaximum,
            RequestResponseInformation = MqttProperties.AsBool(properties.RequestResponseInformation),
            RequestProblemInformation = MqttProperties.AsBool(properties.RequestProblemInformation),
            UserProperties = properties.UserPropertiesOrEmpty,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
        };
    }

    private static MqttWill DecodeWill(ref SequenceReader<byte> reader, MqttProtocolVersion version, MqttQualityOfService qos, bool retain)
    {
        var properties = default(MqttProperties);
        if (version == MqttProtocolVersion.V500)
        {
            PropertyReader.Read(ref reader, PropertyContext.Will, "CONNECT Will", ref properties);
        }

        var topic = WireReader.ReadString(ref reader, "Will Topic");
        if (!MqttTopic.IsValidTopicName(topic, out var error))
        {
            // [MQTT-3.1.3-11] The Will Topic is a Topic Name.
            Malformed.Throw(MqttReasonCode.TopicNameInvalid, $"CONNECT Will Topic is invalid: {error}", "MQTT-3.1.3-11");
        }

        var payload = WireReader.ReadBinary(ref reader, "Will Payload");
        return new MqttWill
        {
            Topic = topic,
            Payload = payload,
            QualityOfService = qos,
            Retain = retain,
            WillDelayInterval = properties.WillDelayInterval,
            PayloadFormatIndicator = (MqttPayloadFormatIndicator?)properties.PayloadFormatIndicator,
            MessageExpiryInterval = properties.MessageExpiryInterval,
            ContentType = properties.ContentType,
            ResponseTopic = properties.ResponseTopic,
            CorrelationData = properties.CorrelationData,
            UserProperties = properties.UserPropertiesOrEmpty,
        };
    }

    public static long GetRemainingLength(MqttConnectPacket packet, out int propertiesLength, out int willPropertiesLength)
    {
        var version = packet.ProtocolVersion;
        if (version is not (MqttProtocolVersion.V311 or MqttProtocolVersion.V500))
        {
            throw new ArgumentException($"CONNECT protocol version {version} is not 3.1.1 or 5.0.", nameof(packet));
        }

        if (version == MqttProtocolVersion.V311 && packet.Password is not null && packet.Username is null)
        {
            // [MQTT-3.1.2-22] MQTT 3.1.1 only sends a password with a user name.
            throw new ArgumentException("MQTT 3.1.1 CONNECT cannot carry a password without a user name.", nameof(packet));
        }

        // Protocol Name (6) + Protocol Level (1) + Connect Flags (1) + Keep Alive (2).
        long length = 10 + WireSize.String(packet.ClientId, nameof(packet.ClientId));
        propertiesLength = 0;
        willPropertiesLength = 0;
        if (version == MqttProtocolVersion.V500)
        {
            propertiesLength = GetPropertiesLength(packet);
            length += PropertySize.Block(propertiesLength);
        }

        if (packet.Will is { } will)
        {
            if (will.QualityOfService > MqttQualityOfService.ExactlyOnce)
            {
                throw new ArgumentException("Will QoS must be 0, 1 or 2.", nameof(packet));
            }

            if (!MqttTopic.IsValidTopicName(will.Topic, out var error))
            {
                throw new ArgumentException($"Will topic is invalid: {error}", nameof(packet));
            }

            if (version == MqttProtocolVersion.V500)
            {
                willPropertiesLength = GetWillPropertiesLength(will);
                length += PropertySize.Block(willPropertiesLength);
            }

            length += WireSize.String(will.Topic, "Will.Topic") + WireSize.Binary(will.Payload.Length, "Will.Payload");
        }

        if (packet.Username is not null)
        {
            length += WireSize.String(packet.Username, nameof(packet.Username));
        }

        if (packet.Password is { } password)
        {
            length += WireSize.Binary(password.Length, nameof(packet.Password));
        }

        return length;
    }

    public static int Write(IBufferWriter<byte> output, MqttConnectPacket packet)
    {
        var remainingLength = GetRemainingLength(packet, out var propertiesLength, out var willPropertiesLength);
        var size = WireSize.Packet(remainingLength, "CONNECT");
        var writer = new WireWriter(output.GetSpan(size));
        writer.WriteFixedHeader(MqttPacketType.Connect, 0, (int)remainingLength);
        writer.WriteString("MQTT");
        writer.WriteByte((byte)packet.ProtocolVersion);

        var will = packet.Will;
        var flags = 0;
        if (packet.Username is not null)
        {
            flags |= UserNameFlag;
        }

        if (packet.Password is not null)
        {
            flags |= PasswordFlag;
        }

        if (will is not null)
        {
            flags |= WillFlag | ((int)will.QualityOfService << 3) | (will.Retain ? WillRetainFlag : 0);
        }

        if (packet.CleanStart)
        {
            flags |= CleanStartFlag;
        }

        writer.WriteByte((byte)flags);
        writer.WriteUInt16(packet.KeepAliveSeconds);
        var v5 = packet.ProtocolVersion == MqttProtocolVersion.V500;
        if (v5)
        {
            writer.WriteVariableByteInteger((uint)propertiesLength);
            PropertyWriter.UInt32(ref writer, PropertyId.SessionExpiryInterval, packet.SessionExpiryInterval);
            PropertyWriter.String(ref writer, PropertyId.AuthenticationMethod, packet.AuthenticationMethod);
            PropertyWriter.Binary(ref writer, PropertyId.AuthenticationData, packet.AuthenticationData);
            PropertyWriter.Byte(ref writer, PropertyId.RequestProblemInformation, PropertySize.Flag(packet.RequestProblemInformation));
            PropertyWriter.Byte(ref writer, PropertyId.RequestResponseInformation, PropertySize.Flag(packet.RequestResponseInformation));
            PropertyWriter.UInt16(ref writer, PropertyId.ReceiveMaximum, packet.ReceiveMaximum);
            PropertyWriter.UInt16(ref writer, PropertyId.TopicAliasMaximum, packet.TopicAliasMaximum);
            PropertyWriter.UserProperties(ref writer, packet.UserProperties);
            PropertyWriter.UInt32(ref writer, PropertyId.MaximumPacketSize, packet.MaximumPacketSize);
        }

        writer.WriteString(packet.ClientId);
        if (will is not null)
        {
            if (v5)
            {
                writer.WriteVariableByteInteger((uint)willPropertiesLength);
                PropertyWriter.Byte(ref writer, PropertyId.PayloadFormatIndicator, (byte?)will.PayloadFormatIndicator);
                PropertyWriter.UInt32(ref writer, PropertyId.MessageExpiryInterval, will.MessageExpiryInterval);
                PropertyWriter.String(ref writer, PropertyId.ContentType, will.ContentType);
                PropertyWriter.String(ref writer, PropertyId.ResponseTopic, will.ResponseTopic);
                PropertyWriter.Binary(ref writer, PropertyId.CorrelationData, will.CorrelationData);
                PropertyWriter.UInt32(ref writer, PropertyId.WillDelayInterval, will.WillDelayInterval);
                PropertyWriter.UserProperties(ref writer, will.UserProperties);
            }

            writer.WriteString(will.Topic);
            writer.WriteBinary(will.Payload.Span);
        }

        if (packet.Username is not null)
        {
            writer.WriteString(packet.Username);
        }

        if (packet.Password is { } password)
        {
            writer.WriteBinary(password.Span);
        }

        Debug.Assert(writer.Position == size, "CONNECT size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    private static int GetPropertiesLength(MqttConnectPacket packet)
        => PropertySize.UInt32(packet.SessionExpiryInterval)
            + PropertySize.Authentication(packet.AuthenticationMethod, packet.AuthenticationData)
            + PropertySize.Byte(PropertySize.Flag(packet.RequestProblemInformation))
            + PropertySize.Byte(PropertySize.Flag(packet.RequestResponseInformation))
            + PropertySize.NonZero(packet.ReceiveMaximum, nameof(packet.ReceiveMaximum))
            + PropertySize.UInt16(packet.TopicAliasMaximum)
            + PropertySize.UserProperties(packet.UserProperties)
            + PropertySize.NonZero(packet.MaximumPacketSize, nameof(packet.MaximumPacketSize));

    private static int GetWillPropertiesLength(MqttWill will)
        => PropertySize.Byte((byte?)will.PayloadFormatIndicator)
            + PropertySize.UInt32(will.MessageExpiryInterval)
            + PropertySize.String(will.ContentType, "Will.ContentType")
            + PropertySize.String(will.ResponseTopic, "Will.ResponseTopic")
            + PropertySize.Binary(will.CorrelationData, "Will.CorrelationData")
            + PropertySize.UInt32(will.WillDelayInterval)
            + PropertySize.UserProperties(will.UserProperties);
}
