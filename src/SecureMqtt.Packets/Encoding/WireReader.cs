using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace SecureMqtt.Packets;

/// <summary>
/// The MQTT data representations (section 1.5) read from a packet body. Every read checks that the body holds the
/// bytes the field declares, so a lying length becomes a <see cref="MqttProtocolException"/>, never an index error.
/// </summary>
internal static class WireReader
{
    /// <summary>Strings longer than this are assembled in a pooled buffer when they straddle segments.</summary>
    private const int StackLimit = 256;

    public static byte ReadByte(ref SequenceReader<byte> reader, string field)
    {
        if (!reader.TryRead(out var value))
        {
            Malformed.ThrowTruncated(field);
        }

        return value;
    }

    public static ushort ReadUInt16(ref SequenceReader<byte> reader, string field)
    {
        if (!reader.TryReadBigEndian(out short value))
        {
            Malformed.ThrowTruncated(field);
        }

        return (ushort)value;
    }

    public static uint ReadUInt32(ref SequenceReader<byte> reader, string field)
    {
        if (!reader.TryReadBigEndian(out int value))
        {
            Malformed.ThrowTruncated(field);
        }

        return (uint)value;
    }

    /// <summary>A UTF-8 Encoded String (1.5.4): two-byte length, then well-formed UTF-8 without U+0000.</summary>
    public static string ReadString(ref SequenceReader<byte> reader, string field)
    {
        int length = ReadUInt16(ref reader, field);
        if (reader.Remaining < length)
        {
            Malformed.ThrowTruncated(field);
        }

        if (length == 0)
        {
            return "";
        }

        var unread = reader.UnreadSpan;
        if (unread.Length >= length)
        {
            var text = Decode(unread[..length], field);
            reader.Advance(length);
            return text;
        }

        // The string straddles segments: gather it first so validation sees whole code points.
        if (length <= StackLimit)
        {
            Span<byte> scratch = stackalloc byte[StackLimit];
            scratch = scratch[..length];
            reader.TryCopyTo(scratch);
            reader.Advance(length);
            return Decode(scratch, field);
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = rented.AsSpan(0, length);
            reader.TryCopyTo(span);
            reader.Advance(length);
            return Decode(span, field);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Binary Data (1.5.6): two-byte length, then bytes; copied so the packet does not pin the receive buffer.</summary>
    public static ReadOnlyMemory<byte> ReadBinary(ref SequenceReader<byte> reader, string field)
    {
        int length = ReadUInt16(ref reader, field);
        return ReadBytes(ref reader, length, field);
    }

    /// <summary>Copies <paramref name="length"/> bytes out of the body.</summary>
    public static ReadOnlyMemory<byte> ReadBytes(ref SequenceReader<byte> reader, long length, string field)
    {
        if (reader.Remaining < length)
        {
            Malformed.ThrowTruncated(field);
        }

        if (length == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var copy = new byte[length];
        reader.TryCopyTo(copy);
        reader.Advance(length);
        return copy;
    }

    /// <summary>A UTF-8 String Pair (1.5.7): both halves follow the string rules [MQTT-1.5.7-1].</summary>
    public static MqttUserProperty ReadStringPair(ref SequenceReader<byte> reader, string field)
    {
        var name = ReadString(ref reader, field);
        var value = ReadString(ref reader, field);
        return new MqttUserProperty(name, value);
    }

    /// <summary>Reads the packet identifier, which must be non-zero wherever it appears [MQTT-2.2.1-3].</summary>
    public static ushort ReadPacketId(ref SequenceReader<byte> reader)
    {
        var id = ReadUInt16(ref reader, "Packet Identifier");
        if (id == 0)
        {
            Malformed.ThrowProtocolError("the Packet Identifier is 0", "MQTT-2.2.1-3");
        }

        return id;
    }

    /// <summary>Fails when bytes remain after the last field the packet type defines.</summary>
    public static void EnsureConsumed(ref SequenceReader<byte> reader, string packet)
    {
        if (!reader.End)
        {
            Malformed.Throw($"{packet} has {reader.Remaining} bytes after its last field (Remaining Length is longer than the content)", "2.1.4");
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string field)
    {
        // Well-formed UTF-8 excludes overlong forms and the surrogate range U+D800..U+DFFF [MQTT-1.5.4-1].
        if (!Utf8.IsValid(bytes))
        {
            Malformed.Throw($"the {field} is not well-formed UTF-8", "MQTT-1.5.4-1");
        }

        // In well-formed UTF-8 a zero byte can only be U+0000 itself [MQTT-1.5.4-2].
        if (bytes.Contains((byte)0))
        {
            Malformed.Throw($"the {field} contains the null character U+0000", "MQTT-1.5.4-2");
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
