// PUBLISH (MQTT 3.1.1 section 3.3, MQTT 5.0 section 3.3)
//
//  byte 1        | 0 0 1 1 | DUP | QoS(2) | RETAIN |
//  byte 2..5     | Remaining Length (Variable Byte Integer)
//  variable hdr  | Topic Name (UTF-8 string: 2-byte length + bytes)
//                | Packet Identifier (2 bytes, only when QoS > 0)
//                | [5.0] Property Length (VBI) + properties
//  payload       | application bytes up to the end of Remaining Length (may be empty)
using System.Buffers;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class PublishCodec
{
    public static MqttPublishPacket Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        var fields = DecodeFields(frame, version, topics: null, out var payload);
        var reader = new SequenceReader<byte>(payload);
        return new MqttPublishPacket
        {
            Topic = fields.Topic,
            Payload = WireReader.ReadBytes(ref reader, reader.Remaining, "payload"),
            QualityOfService = fields.QualityOfService,
            Retain = fields.Retain,
            Duplicate = fields.Duplicate,
            PacketId = fields.PacketId,
            PayloadFormatIndicator = fields.PayloadFormatIndicator,
            MessageExpiryInterval = fields.MessageExpiryInterval,
            TopicAlias = fields.TopicAlias,
            ResponseTopic = fields.ResponseTopic,
            CorrelationData = fields.CorrelationData,
            UserProperties = fields.UserProperties,
            SubscriptionIdentifiers = fields.SubscriptionIdentifiers,
            ContentType = fields.ContentType,
        };
    }

    /// <summary>Decodes everything but the payload, which stays a slice of the frame for the caller to copy.</summary>
    public static MqttPublishFields DecodeFields(in MqttFrame frame, MqttProtocolVersion version, MqttTopicCache? topics, out ReadOnlySequence<byte> payload)
    {
        var flags = frame.Flags;
        var qos = (flags >> 1) & 0b11;
        FixedHeader.CheckPublishFlags(flags);
        if (qos == 0 && (flags & 0b1000) != 0 && version == MqttProtocolVersion.V500)
        {
            // [MQTT-3.3.1-2] DUP is 0 on every QoS 0 message. MQTT 5 makes every such violation a Malformed Packet
            // the receiver closes for (4.13); MQTT 3.1.1 states only the sender's duty, so there the decoder keeps
            // the flag and lets the client decide (it ignores it, docs/limits.md).
            Malformed.Throw("PUBLISH at QoS 0 has the DUP flag set", "MQTT-3.3.1-2");
        }

        var reader = new SequenceReader<byte>(frame.Body);
        var topic = ReadTopic(ref reader, topics);

        ushort packetId = 0;
        if (qos > 0)
        {
            // [MQTT-2.2.1-3] QoS 1 and 2 messages carry a non-zero identifier.
            packetId = WireReader.ReadPacketId(ref reader);
        }

        var properties = default(MqttProperties);
        if (version == MqttProtocolVersion.V500)
        {
            PropertyReader.Read(ref reader, PropertyContext.Publish, "PUBLISH", ref properties);
        }

        if (topic.Length == 0 && properties.TopicAlias is null)
        {
            // [MQTT-4.7.3-1] Topic names are at least one character; MQTT 5 lets a Topic Alias stand in (3.3.2.1).
            Malformed.ThrowProtocolError("PUBLISH has an empty topic name and no Topic Alias", "MQTT-4.7.3-1");
        }

        payload = reader.UnreadSequence;
        return new MqttPublishFields
        {
            Topic = topic,
            QualityOfService = (MqttQualityOfService)qos,
            Retain = (flags & 0b0001) != 0,
            Duplicate = (flags & 0b1000) != 0,
            PacketId = packetId,
            PayloadFormatIndicator = (MqttPayloadFormatIndicator?)properties.PayloadFormatIndicator,
            MessageExpiryInterval = properties.MessageExpiryInterval,
            TopicAlias = properties.TopicAlias,
            ResponseTopic = properties.ResponseTopic,
            CorrelationData = properties.CorrelationData,
            UserProperties = properties.UserPropertiesOrEmpty,
            SubscriptionIdentifiers = properties.SubscriptionIdentifiersOrEmpty,
            ContentType = properties.ContentType,
        };
    }

    /// <summary>The Topic Name: from <paramref name="topics"/> when these bytes were seen before, else decoded and checked.</summary>
    private static string ReadTopic(ref SequenceReader<byte> reader, MqttTopicCache? topics)
    {
        var slot = -1;
        ReadOnlySpan<byte> seen = default;
        if (topics is not null && reader.TryReadBigEndian(out short declared))
        {
            var length = (ushort)declared;
            var unread = reader.UnreadSpan;
            if (length > 0 && unread.Length >= length)
            {
                seen = unread[..length];
                if (topics.TryGet(seen, out var known, out slot))
                {
                    reader.Advance(length);
                    return known;
                }
            }

            // Not cached, or split across segments: decode it the ordinary way from its length field.
            reader.Rewind(2);
        }

        var topic = WireReader.ReadString(ref reader, "Topic Name");
        var wildcard = topic.AsSpan().IndexOfAny('+', '#');
        if (wildcard >= 0)
        {
            Malformed.Throw(MqttReasonCode.TopicNameInvalid, $"PUBLISH topic name contains a wildcard '{topic[wildcard]}'", "MQTT-3.3.2-2");
        }

        if (slot >= 0)
        {
            // Only a topic that passed every check is remembered.
            topics!.Add(slot, seen, topic);
        }

        return topic;
    }

    public static long GetRemainingLength(MqttPublishPacket packet, MqttProtocolVersion version, out int propertiesLength)
    {
        var fields = MqttPublishFields.From(packet);
        return GetRemainingLength(fields, version, out propertiesLength);
    }

    public static int Write(IBufferWriter<byte> output, MqttPublishPacket packet, MqttProtocolVersion version)
    {
        var fields = MqttPublishFields.From(packet);
        return Write(output, fields, version);
    }

    public static long GetRemainingLength(in MqttPublishFields packet, MqttProtocolVersion version, out int propertiesLength)
    {
        Validate(packet, version);
        long length = WireSize.String(packet.Topic, nameof(packet.Topic));
        if (packet.QualityOfService != MqttQualityOfService.AtMostOnce)
        {
            length += 2;
        }

        propertiesLength = 0;
        if (version == MqttProtocolVersion.V500)
        {
            propertiesLength = GetPropertiesLength(packet);
            length += PropertySize.Block(propertiesLength);
        }

        return length + packet.Payload.Length;
    }

    public static int Write(IBufferWriter<byte> output, in MqttPublishFields packet, MqttProtocolVersion version)
    {
        var remainingLength = GetRemainingLength(packet, version, out var propertiesLength);
        var size = WireSize.Packet(remainingLength, "PUBLISH");
        var writer = new WireWriter(output.GetSpan(size));

        var flags = (byte)(((int)packet.QualityOfService << 1) | (packet.Retain ? 1 : 0) | (packet.Duplicate ? 0b1000 : 0));
        writer.WriteFixedHeader(MqttPacketType.Publish, flags, (int)remainingLength);
        writer.WriteString(packet.Topic);
        if (packet.QualityOfService != MqttQualityOfService.AtMostOnce)
        {
            writer.WriteUInt16(packet.PacketId);
        }

        if (version == MqttProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger((uint)propertiesLength);
            PropertyWriter.Byte(ref writer, PropertyId.PayloadFormatIndicator, (byte?)packet.PayloadFormatIndicator);
            PropertyWriter.UInt32(ref writer, PropertyId.MessageExpiryInterval, packet.MessageExpiryInterval);
            PropertyWriter.String(ref writer, PropertyId.ContentType, packet.ContentType);
            PropertyWriter.String(ref writer, PropertyId.ResponseTopic, packet.ResponseTopic);
            PropertyWriter.Binary(ref writer, PropertyId.CorrelationData, packet.CorrelationData);
            var subscriptionIds = packet.SubscriptionIdentifiers;
            for (var i = 0; i < subscriptionIds.Count; i++)
            {
                PropertyWriter.SubscriptionIdentifier(ref writer, subscriptionIds[i]);
            }

            PropertyWriter.UInt16(ref writer, PropertyId.TopicAlias, packet.TopicAlias);
            PropertyWriter.UserProperties(ref writer, packet.UserProperties);
        }

        writer.WriteBytes(packet.Payload.Span);
        Debug.Assert(writer.Position == size, "PUBLISH size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    private static int GetPropertiesLength(in MqttPublishFields packet)
    {
        var length = PropertySize.Byte((byte?)packet.PayloadFormatIndicator)
            + PropertySize.UInt32(packet.MessageExpiryInterval)
            + PropertySize.String(packet.ContentType, nameof(packet.ContentType))
            + PropertySize.String(packet.ResponseTopic, nameof(packet.ResponseTopic))
            + PropertySize.Binary(packet.CorrelationData, nameof(packet.CorrelationData))
            + PropertySize.NonZero(packet.TopicAlias, nameof(packet.TopicAlias))
            + PropertySize.UserProperties(packet.UserProperties);
        var subscriptionIds = packet.SubscriptionIdentifiers;
        for (var i = 0; i < subscriptionIds.Count; i++)
        {
            length += PropertySize.SubscriptionIdentifier(subscriptionIds[i], nameof(packet.SubscriptionIdentifiers));
        }

        return length;
    }

    private static void Validate(in MqttPublishFields packet, MqttProtocolVersion version)
    {
        if (packet.QualityOfService > MqttQualityOfService.ExactlyOnce)
        {
            throw new ArgumentException("PUBLISH QoS must be 0, 1 or 2.", nameof(packet));
        }

        if (packet.QualityOfService == MqttQualityOfService.AtMostOnce)
        {
            if (packet.Duplicate)
            {
                // [MQTT-3.3.1-2] DUP is always 0 for QoS 0.
                throw new ArgumentException("a QoS 0 PUBLISH cannot be marked Duplicate.", nameof(packet));
            }
        }
        else
        {
            WireSize.RequirePacketId(packet.PacketId, "a QoS 1 or 2 PUBLISH");
        }

        var topic = packet.Topic;
        if (topic.Length == 0 && (version != MqttProtocolVersion.V500 || packet.TopicAlias is null))
        {
            throw new ArgumentException("PUBLISH needs a topic name (MQTT 5 allows an empty one only with a Topic Alias).", nameof(packet));
        }

        if (topic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            throw new ArgumentException($"PUBLISH topic name '{topic}' contains a wildcard.", nameof(packet));
        }
    }
}
