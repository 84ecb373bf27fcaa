// SUBSCRIBE (MQTT 3.1.1 section 3.8, MQTT 5.0 section 3.8)
//
//  byte 1        | 1 0 0 0 | 0 0 1 0 |   (flags 0010 are fixed [MQTT-3.8.1-1])
//  byte 2..5     | Remaining Length (VBI)
//  variable hdr  | Packet Identifier (2 bytes, non-zero)
//                | [5.0] Property Length (VBI) + properties (Subscription Identifier, User Property)
//  payload       | one or more of:
//                |   Topic Filter (string)
//                |   Subscription Options: 3.1.1 bits 7-2 reserved, 1-0 QoS;
//                |     5.0 bits 7-6 reserved, 5-4 Retain Handling, 3 Retain As Published, 2 No Local, 1-0 QoS
using System.Buffers;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class SubscribeCodec
{
    public static MqttSubscribePacket Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        FixedHeader.Check(frame.Type, frame.Flags);
        var reader = new SequenceReader<byte>(frame.Body);
        var p = default(MqttProperties);
        var v5 = version == MqttProtocolVersion.V500;
        var packetId = PacketIdHeader.Read(ref reader, v5, PropertyContext.Subscribe, "SUBSCRIBE", ref p);

        var subscriptions = new List<MqttSubscription>();
        while (!reader.End)
        {
            var filter = WireReader.ReadString(ref reader, "Topic Filter");
            if (!MqttTopic.IsValidTopicFilter(filter, out var error))
            {
                Malformed.Throw(MqttReasonCode.TopicFilterInvalid, $"SUBSCRIBE topic filter '{filter}' is invalid: {error}", "MQTT-4.7.1-1");
            }

            var options = WireReader.ReadByte(ref reader, "Subscription Options");
            if ((options & (v5 ? 0xC0 : 0xFC)) != 0)
            {
                Malformed.Throw("SUBSCRIBE subscription options have reserved bits set", v5 ? "MQTT-3.8.3-5" : "MQTT-3.8.3-4");
            }

            var qos = options & 0b11;
            if (qos == 3)
            {
                // 3.1.1 calls it malformed [MQTT-3-8.3-4]; 5.0 a protocol error (3.8.3.1).
                Malformed.Throw(v5 ? MqttReasonCode.ProtocolError : MqttReasonCode.MalformedPacket, "SUBSCRIBE requests QoS 3", v5 ? "3.8.3.1" : "MQTT-3.8.3-4");
            }

            var retainHandling = (options >> 4) & 0b11;
            if (retainHandling == 3)
            {
                Malformed.ThrowProtocolError("SUBSCRIBE Retain Handling is 3", "3.8.3.1");
            }

            var noLocal = (options & 0b100) != 0;
            if (noLocal && filter.StartsWith("$share/", StringComparison.Ordinal))
            {
                Malformed.ThrowProtocolError("SUBSCRIBE sets No Local on a shared subscription", "MQTT-3.8.3-4");
            }

            subscriptions.Add(new MqttSubscription(filter, (MqttQualityOfService)qos)
            {
                NoLocal = noLocal,
                RetainAsPublished = (options & 0b1000) != 0,
                RetainHandling = (MqttRetainHandling)retainHandling,
            });
        }

        if (subscriptions.Count == 0)
        {
            // [MQTT-3.8.3-2] (3.1.1: [MQTT-3.8.3-3]) A SUBSCRIBE without a filter is a protocol violation.
            Malformed.ThrowProtocolError("SUBSCRIBE contains no topic filter", "MQTT-3.8.3-2");
        }

        return new MqttSubscribePacket
        {
            PacketId = packetId,
            Subscriptions = subscriptions,
            SubscriptionIdentifier = p.SubscriptionIdentifiers is { Count: > 0 } ids ? ids[0] : null,
            UserProperties = p.UserPropertiesOrEmpty,
        };
    }

    public static long GetRemainingLength(MqttSubscribePacket packet, MqttProtocolVersion version, out int propertiesLength)
    {
        WireSize.RequirePacketId(packet.PacketId, "SUBSCRIBE");
        var subscriptions = packet.Subscriptions;
        if (subscriptions.Count == 0)
        {
            throw new ArgumentException("SUBSCRIBE needs at least one subscription.", nameof(packet));
        }

        long length = 2;
        propertiesLength = 0;
        if (version == MqttProtocolVersion.V500)
        {
            propertiesLength = (packet.SubscriptionIdentifier is { } id ? PropertySize.SubscriptionIdentifier(id, nameof(packet.SubscriptionIdentifier)) : 0)
                + PropertySize.UserProperties(packet.UserProperties);
            length += PropertySize.Block(propertiesLength);
        }

        for (var i = 0; i < subscriptions.Count; i++)
        {
            var subscription = subscriptions[i];
            if (!MqttTopic.IsValidTopicFilter(subscription.TopicFilter, out var error))
            {
                throw new ArgumentException($"topic filter '{subscription.TopicFilter}' is invalid: {error}", nameof(packet));
            }

            if (subscription.MaximumQoS > MqttQualityOfService.ExactlyOnce || subscription.RetainHandling > MqttRetainHandling.DoNotSend)
            {
                throw new ArgumentException($"subscription '{subscription.TopicFilter}' has an undefined QoS or Retain Handling.", nameof(packet));
            }

            length += WireSize.String(subscription.TopicFilter, "TopicFilter") + 1;
        }

        return length;
    }

    public static int Write(IBufferWriter<byte> output, MqttSubscribePacket packet, MqttProtocolVersion version)
    {
        var remainingLength = GetRemainingLength(packet, version, out var propertiesLength);
        var size = WireSize.Packet(remainingLength, "SUBSCRIBE");
        var writer = new WireWriter(output.GetSpan(size));
        writer.WriteFixedHeader(MqttPacketType.Subscribe, 0b0010, (int)remainingLength);
        writer.WriteUInt16(packet.PacketId);
        var v5 = version == MqttProtocolVersion.V500;
        if (v5)
        {
            writer.WriteVariableByteInteger((uint)propertiesLength);
            if (packet.SubscriptionIdentifier is { } id)
            {
                PropertyWriter.SubscriptionIdentifier(ref writer, id);
            }

            PropertyWriter.UserProperties(ref writer, packet.UserProperties);
        }

        var subscriptions = packet.Subscriptions;
        for (var i = 0; i < subscriptions.Count; i++)
        {
            var subscription = subscriptions[i];
            writer.WriteString(subscription.TopicFilter);
            var options = (int)subscription.MaximumQoS;
            if (v5)
            {
                options |= (subscription.NoLocal ? 0b100 : 0) | (subscription.RetainAsPublished ? 0b1000 : 0)
                    | ((int)subscription.RetainHandling << 4);
            }

            writer.WriteByte((byte)options);
        }

        Debug.Assert(writer.Position == size, "SUBSCRIBE size computation and writing disagree");
        output.Advance(size);
        return size;
    }
}
