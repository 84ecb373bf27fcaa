using System.Text;

namespace SecureMqtt.Tls.OpenSsl.Tests.Support;

/// <summary>MQTT 3.1.1 packets written out by hand from the specification, so these tests need no MQTT library.</summary>
public static class Mqtt
{
    // CONNECT: protocol name "MQTT", level 4, flags 0x02 (clean session), keep-alive 60, empty client id.
    public static readonly byte[] Connect = [0x10, 0x0C, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x00];

    // CONNACK: session present 0, return code 0 (accepted).
    public static readonly byte[] ConnAckAccepted = [0x20, 0x02, 0x00, 0x00];

    // SUBSCRIBE packet id 1, topic "t", QoS 0; SUBACK packet id 1, granted QoS 0.
    public static readonly byte[] SubscribeT = [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, (byte)'t', 0x00];
    public static readonly byte[] SubAckT = [0x90, 0x03, 0x00, 0x01, 0x00];

    public static readonly byte[] PingReq = [0xC0, 0x00];
    public static readonly byte[] PingResp = [0xD0, 0x00];

    /// <summary>A QoS 0 PUBLISH to topic "t" (payload under 125 bytes, so the remaining length fits one byte).</summary>
    public static byte[] PublishT(string payload)
    {
        var body = Encoding.UTF8.GetBytes(payload);
        if (body.Length > 120)
        {
            throw new ArgumentOutOfRangeException(nameof(payload));
        }

        return [0x30, (byte)(3 + body.Length), 0x00, 0x01, (byte)'t', .. body];
    }
}
