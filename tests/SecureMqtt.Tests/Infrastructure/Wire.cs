using System.Buffers;
using System.Text;
using SecureMqtt.Packets;

namespace SecureMqtt.Tests.Infrastructure;

/// <summary>
/// Builds raw MQTT bytes by hand, for packets our own encoder refuses to produce (wildcards in a topic name,
/// duplicate properties, reserved flags): the test spells out every byte the way the specification lays it out.
/// </summary>
public static class Wire
{
    /// <summary>A packet: the first byte, a Remaining Length computed from the parts, then the parts.</summary>
    public static byte[] Packet(byte first, params byte[][] parts)
    {
        var body = parts.SelectMany(p => p).ToArray();
        return [first, .. VariableByteInteger((uint)body.Length), .. body];
    }

    public static byte[] VariableByteInteger(uint value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value % 128);
            value /= 128;
            bytes.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return [.. bytes];
    }

    public static byte[] UInt16(int value) => [(byte)(value >> 8), (byte)value];

    public static byte[] UInt32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    /// <summary>A UTF-8 string field: two length bytes, then the bytes as given (they need not be valid UTF-8).</summary>
    public static byte[] String(byte[] utf8) => [.. UInt16(utf8.Length), .. utf8];

    public static byte[] String(string text) => String(Encoding.UTF8.GetBytes(text));

    /// <summary>An MQTT 5 property block: its length, then the properties.</summary>
    public static byte[] Properties(params byte[][] properties)
    {
        var all = properties.SelectMany(p => p).ToArray();
        return [.. VariableByteInteger((uint)all.Length), .. all];
    }

    /// <summary>The encoding of a valid packet, by our own encoder.</summary>
    public static byte[] Encode(MqttPacket packet, MqttProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(writer, packet, version);
        return writer.WrittenSpan.ToArray();
    }
}
