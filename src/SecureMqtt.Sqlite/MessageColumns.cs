using System.Text;
using SecureMqtt.Packets;

namespace SecureMqtt.Sqlite;

/// <summary>
/// The MQTT 5 properties of a stored message in one small blob (null when it has none): version byte, a flags byte
/// saying which properties follow, then each in a fixed order. Topic, QoS, retain and payload have columns of their
/// own, so a person inspecting the store with sqlite3 sees what matters.
/// </summary>
internal static class MessageColumns
{
    private const byte Version = 1;
    private const byte HasPayloadFormat = 1;
    private const byte HasExpiry = 2;
    private const byte HasContentType = 4;
    private const byte HasResponseTopic = 8;
    private const byte HasCorrelationData = 16;
    private const byte HasUserProperties = 32;

    public static byte[]? EncodeProperties(MqttMessage message)
    {
        byte flags = 0;
        flags |= message.PayloadFormat is null ? (byte)0 : HasPayloadFormat;
        flags |= message.MessageExpiry is null ? (byte)0 : HasExpiry;
        flags |= message.ContentType is null ? (byte)0 : HasContentType;
        flags |= message.ResponseTopic is null ? (byte)0 : HasResponseTopic;
        flags |= message.CorrelationData is null ? (byte)0 : HasCorrelationData;
        flags |= message.UserProperties.Count == 0 ? (byte)0 : HasUserProperties;
        if (flags == 0)
        {
            return null;
        }

        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(Version);
        writer.Write(flags);
        if (message.PayloadFormat is { } format)
        {
            writer.Write((byte)format);
        }

        if (message.MessageExpiry is { } expiry)
        {
            writer.Write(expiry.Ticks);
        }

        if (message.ContentType is { } contentType)
        {
            writer.Write(contentType);
        }

        if (message.ResponseTopic is { } responseTopic)
        {
            writer.Write(responseTopic);
        }

        if (message.CorrelationData is { } correlation)
        {
            writer.Write(correlation.Length);
            writer.Write(correlation.Span);
        }

        if (message.UserProperties.Count > 0)
        {
            WriteUserProperties(writer, message.UserProperties);
        }

        writer.Flush();
        return stream.ToArray();
    }

    public static MqttMessage Decode(string topic, long qos, bool retain, byte[] payload, byte[]? properties)
    {
        var message = new MqttMessage { Topic = topic, QualityOfService = (MqttQualityOfService)qos, Retain = retain, Payload = payload };
        if (properties is null)
        {
            return message;
        }

        using var reader = new BinaryReader(new MemoryStream(properties), Encoding.UTF8);
        if (reader.ReadByte() != Version)
        {
            throw new InvalidDataException("a stored message has properties of an unknown format");
        }

        var flags = reader.ReadByte();
        if ((flags & HasPayloadFormat) != 0)
        {
            message = message with { PayloadFormat = (MqttPayloadFormatIndicator)reader.ReadByte() };
        }

        if ((flags & HasExpiry) != 0)
        {
            message = message with { MessageExpiry = TimeSpan.FromTicks(reader.ReadInt64()) };
        }

        if ((flags & HasContentType) != 0)
        {
            message = message with { ContentType = reader.ReadString() };
        }

        if ((flags & HasResponseTopic) != 0)
        {
            message = message with { ResponseTopic = reader.ReadString() };
        }

        if ((flags & HasCorrelationData) != 0)
        {
            var length = reader.ReadInt32();
            message = message with { CorrelationData = ReadExactly(reader, length) };
        }

        if ((flags & HasUserProperties) != 0)
        {
            message = message with { UserProperties = ReadUserProperties(reader) };
        }

        return message;
    }

    public static byte[]? EncodeUserProperties(IReadOnlyList<MqttUserProperty> properties)
    {
        if (properties.Count == 0)
        {
            return null;
        }

        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        WriteUserProperties(writer, properties);
        writer.Flush();
        return stream.ToArray();
    }

    public static IReadOnlyList<MqttUserProperty> DecodeUserProperties(byte[]? blob)
    {
        if (blob is null)
        {
            return [];
        }

        using var reader = new BinaryReader(new MemoryStream(blob), Encoding.UTF8);
        return ReadUserProperties(reader);
    }

    private static void WriteUserProperties(BinaryWriter writer, IReadOnlyList<MqttUserProperty> properties)
    {
        writer.Write(properties.Count);
        foreach (var p in properties)
        {
            writer.Write(p.Name);
            writer.Write(p.Value);
        }
    }

    private static MqttUserProperty[] ReadUserProperties(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count < 0 || count > 1_000_000)
        {
            throw new InvalidDataException("a stored user property count is out of range");
        }

        var result = new MqttUserProperty[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = new MqttUserProperty(reader.ReadString(), reader.ReadString());
        }

        return result;
    }

    private static byte[] ReadExactly(BinaryReader reader, int length)
    {
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException("a stored length is out of range");
        }

        return reader.ReadBytes(length);
    }
}
