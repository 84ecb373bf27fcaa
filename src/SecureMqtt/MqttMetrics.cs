using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SecureMqtt;

/// <summary>Counters OpenTelemetry collects from the meter "SecureMqtt" without extra glue.</summary>
internal static class MqttMetrics
{
    public const string Name = "SecureMqtt";

    private static readonly Meter Meter = new(Name);

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>("mqtt.client.messages.sent", "{message}", "PUBLISH packets sent");

    public static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>("mqtt.client.messages.received", "{message}", "PUBLISH packets received");

    public static readonly Counter<long> BytesSent = Meter.CreateCounter<long>("mqtt.client.bytes.sent", "By", "Bytes written to the transport");

    public static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>("mqtt.client.bytes.received", "By", "Bytes read from the transport");

    public static readonly Counter<long> Reconnects = Meter.CreateCounter<long>("mqtt.client.reconnects", "{connection}", "Connections that replaced a lost one");

    public static readonly Counter<long> MessagesDropped = Meter.CreateCounter<long>("mqtt.client.messages.dropped", "{message}", "QoS 0 messages dropped while offline by OfflineQueue.DropAtMostOnce");
}
