using System.Text;

namespace SecureMqtt.Packets;

/// <summary>
/// Sizes of MQTT data representations, computed before writing. Encoding refuses what could never be valid on the
/// wire with an <see cref="ArgumentException"/>: that is the caller's bug, not the peer's.
/// </summary>
internal static class WireSize
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Two-byte length plus the UTF-8 bytes of <paramref name="value"/>.</summary>
    public static int String(string value, string field)
    {
        // [MQTT-1.5.4-2] U+0000 is never allowed in a UTF-8 Encoded String.
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{field} contains the null character U+0000, which MQTT strings cannot carry.", field);
        }

        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException ex)
        {
            // [MQTT-1.5.4-1] A lone surrogate has no UTF-8 encoding.
            throw new ArgumentException($"{field} contains an unpaired surrogate, which has no UTF-8 encoding.", field, ex);
        }

        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"{field} is {length} UTF-8 bytes; MQTT strings hold at most 65535.", field);
        }

        return 2 + length;
    }

    /// <summary>Two-byte length plus the bytes.</summary>
    public static int Binary(int length, string field)
    {
        if (length > ushort.MaxValue)
        {
            throw new ArgumentException($"{field} is {length} bytes; MQTT binary data holds at most 65535.", field);
        }

        return 2 + length;
    }

    /// <summary>The whole packet: one type byte, the Remaining Length, then the body.</summary>
    public static int Packet(long remainingLength, string packet)
    {
        if (remainingLength > VariableByteInteger.MaxValue)
        {
            throw new ArgumentException($"{packet} would have a Remaining Length of {remainingLength}; MQTT allows at most 268435455.", nameof(packet));
        }

        return 1 + VariableByteInteger.GetSize((uint)remainingLength) + (int)remainingLength;
    }

    /// <summary>A packet identifier must be non-zero where it is present [MQTT-2.2.1-3].</summary>
    public static void RequirePacketId(ushort packetId, string packet)
    {
        if (packetId == 0)
        {
            throw new ArgumentException($"{packet} needs a non-zero packet identifier.", nameof(packetId));
        }
    }
}
