namespace SecureMqtt.Cli.Common;

/// <summary>
/// The -d lines, worded as mosquitto's ("Client id sending CONNECT"). The client has no packet hook, so they are
/// printed where the command sends or learns of a packet; keep-alive PINGREQ/PINGRESP are not shown.
/// </summary>
internal sealed class DebugPrinter(CliStreams streams, bool enabled, string clientId)
{
    public bool Enabled { get; } = enabled;

    public string ClientId { get; set; } = clientId;

    public void Line(string text)
    {
        if (Enabled)
        {
            streams.WriteLine($"Client {ClientId} {text}");
        }
    }

    public void Publish(string direction, MqttMessage message, ushort? packetId) =>
        Line($"{direction} PUBLISH (d{(message.Duplicate ? 1 : 0)}, q{(int)message.QualityOfService}, r{(message.Retain ? 1 : 0)}, m{packetId ?? 0}, '{message.Topic}', ... ({message.Payload.Length} bytes))");
}
