using System.Buffers;

namespace SecureMqtt.Packets;

/// <summary>
/// MQTT's Variable Byte Integer (section 1.5.5): seven bits per byte, least significant group first, high bit set
/// when another byte follows; at most four bytes, so at most 268,435,455.
/// </summary>
internal static class VariableByteInteger
{
    /// <summary>The largest value four bytes can carry.</summary>
    public const int MaxValue = 268_435_455;

    /// <summary>How many bytes <paramref name="value"/> takes: 1 to 4.</summary>
    public static int GetSize(uint value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };

    /// <summary>Writes the minimal encoding [MQTT-1.5.5-1]; the caller has checked the value and the space.</summary>
    public static int Write(Span<byte> destination, uint value)
    {
        var i = 0;
        do
        {
            var digit = (byte)(value & 0x7F);
            value >>= 7;
            if (value > 0)
            {
                digit |= 0x80;
            }

            destination[i++] = digit;
        }
        while (value > 0);
        return i;
    }

    /// <summary>
    /// Reads a Variable Byte Integer. Returns false when the bytes present end before the last byte of the integer
    /// (only useful for the fixed header, where more may arrive); throws when it is longer than four bytes or not minimal.
    /// </summary>
    public static bool TryRead(ref SequenceReader<byte> reader, out int value)
    {
        value = 0;
        var multiplier = 0;
        for (var i = 0; i < 4; i++)
        {
            if (!reader.TryRead(out var b))
            {
                return false;
            }

            // A trailing zero group after the first byte means a shorter encoding existed [MQTT-1.5.5-1].
            if (i > 0 && b == 0)
            {
                Malformed.Throw("a Variable Byte Integer is not in its shortest form", "MQTT-1.5.5-1");
            }

            value |= (b & 0x7F) << multiplier;
            if ((b & 0x80) == 0)
            {
                return true;
            }

            multiplier += 7;
        }

        Malformed.Throw("a Variable Byte Integer is longer than four bytes", "1.5.5");
        return false;
    }

    /// <summary>Reads a Variable Byte Integer that must lie wholly inside the packet body.</summary>
    public static int Read(ref SequenceReader<byte> reader, string field)
    {
        if (!TryRead(ref reader, out var value))
        {
            Malformed.ThrowTruncated(field);
        }

        return value;
    }
}
