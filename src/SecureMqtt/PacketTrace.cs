using System.Globalization;
using Microsoft.Extensions.Logging;
using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>
/// One Debug log line per packet sent or received (events 16 and 17), worded as libmosquitto's debug log so a
/// tool can print mosquitto-style -d output. Every method checks <see cref="ILogger.IsEnabled"/> first: nothing is
/// formatted or allocated unless someone listens at Debug. Payloads, passwords and properties never appear.
/// </summary>
internal static class PacketTrace
{
    public static bool IsOn(ILogger logger) => logger.IsEnabled(LogLevel.Debug);

    public static void Sent(ILogger logger, MqttPacketType type)
    {
        if (IsOn(logger))
        {
            Log.PacketSent(logger, type.ToSpecificationName());
        }
    }

    public static void Received(ILogger logger, MqttPacketType type)
    {
        if (IsOn(logger))
        {
            Log.PacketReceived(logger, type.ToSpecificationName());
        }
    }

    public static void SentPublish(ILogger logger, MqttMessage message, ushort packetId, bool duplicate)
    {
        if (IsOn(logger))
        {
            Log.PacketSent(logger, Publish(duplicate, message.QualityOfService, message.Retain, packetId, message.Topic, message.Payload.Length));
        }
    }

    public static void SentPublish(ILogger logger, string topic, MqttQualityOfService qos, bool retain, int length)
    {
        if (IsOn(logger))
        {
            Log.PacketSent(logger, Publish(false, qos, retain, 0, topic, length));
        }
    }

    public static void ReceivedPublish(ILogger logger, in MqttPublishFields publish, string topic, int payloadLength)
    {
        if (IsOn(logger))
        {
            Log.PacketReceived(logger, Publish(publish.Duplicate, publish.QualityOfService, publish.Retain, publish.PacketId, topic, payloadLength));
        }
    }

    public static void SentAck(ILogger logger, MqttAck ack)
    {
        if (IsOn(logger))
        {
            // libmosquitto: "PUBACK (m1, rc0)", "PUBREC (m2, rc0)", "PUBREL (m1)", "PUBCOMP (m2)".
            var withReason = ack.Type is MqttPacketType.PubAck or MqttPacketType.PubRec;
            Log.PacketSent(logger, withReason
                ? Invariant($"{ack.Type.ToSpecificationName()} (m{ack.PacketId}, rc{(byte)ack.ReasonCode})")
                : Invariant($"{ack.Type.ToSpecificationName()} (m{ack.PacketId})"));
        }
    }

    public static void ReceivedAck(ILogger logger, MqttAck ack)
    {
        if (IsOn(logger))
        {
            // libmosquitto: "PUBACK (Mid: 1, RC:0)", "PUBREC (Mid: 1)", "PUBREL (Mid: 2)", "PUBCOMP (Mid: 1, RC:0)".
            var withReason = ack.Type is MqttPacketType.PubAck or MqttPacketType.PubComp;
            Log.PacketReceived(logger, withReason
                ? Invariant($"{ack.Type.ToSpecificationName()} (Mid: {ack.PacketId}, RC:{(byte)ack.ReasonCode})")
                : Invariant($"{ack.Type.ToSpecificationName()} (Mid: {ack.PacketId})"));
        }
    }

    public static void SentSubscribe(ILogger logger, MqttSubscribePacket subscribe)
    {
        if (IsOn(logger))
        {
            foreach (var s in subscribe.Subscriptions)
            {
                // The options byte without the QoS bits, as libmosquitto prints it.
                var options = (s.NoLocal ? 0x04 : 0) | (s.RetainAsPublished ? 0x08 : 0) | ((int)s.RetainHandling << 4);
                Log.PacketSent(logger, Invariant($"SUBSCRIBE (Mid: {subscribe.PacketId}, Topic: {s.TopicFilter}, QoS: {(int)s.MaximumQoS}, Options: 0x{options:x2})"));
            }
        }
    }

    public static void SentUnsubscribe(ILogger logger, MqttUnsubscribePacket unsubscribe)
    {
        if (IsOn(logger))
        {
            foreach (var filter in unsubscribe.TopicFilters)
            {
                Log.PacketSent(logger, Invariant($"UNSUBSCRIBE (Mid: {unsubscribe.PacketId}, Topic: {filter})"));
            }
        }
    }

    public static void ReceivedConnAck(ILogger logger, MqttConnAckPacket connAck)
    {
        if (IsOn(logger))
        {
            Log.PacketReceived(logger, Invariant($"CONNACK ({(byte)connAck.ReasonCode})"));
        }
    }

    public static void SentDisconnect(ILogger logger, MqttDisconnectPacket disconnect, MqttProtocolVersion version)
    {
        if (IsOn(logger))
        {
            Log.PacketSent(logger, version == MqttProtocolVersion.V500 && disconnect.ReasonCode != MqttReasonCode.Success
                ? Invariant($"DISCONNECT ({(byte)disconnect.ReasonCode})")
                : "DISCONNECT");
        }
    }

    private static string Publish(bool duplicate, MqttQualityOfService qos, bool retain, ushort packetId, string topic, int length) =>
        Invariant($"PUBLISH (d{(duplicate ? 1 : 0)}, q{(int)qos}, r{(retain ? 1 : 0)}, m{packetId}, '{topic}', ... ({length} bytes))");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
