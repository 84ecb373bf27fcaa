namespace SecureMqtt.Packets;

/// <summary>
/// Throw helpers, kept out of line so the hot decode paths stay small enough to inline.
/// </summary>
internal static class Malformed
{
    /// <summary>Bytes that cannot be parsed: a length past the end, a bad flag, an invalid encoding.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Throw(string message, string? rule = null)
        => throw new MqttProtocolException(MqttReasonCode.MalformedPacket, message, rule);

    /// <summary>Bytes that parse but break a rule about their meaning.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void ThrowProtocolError(string message, string? rule = null)
        => throw new MqttProtocolException(MqttReasonCode.ProtocolError, message, rule);

    /// <summary>A violation with a more specific reason code.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Throw(MqttReasonCode reasonCode, string message, string? rule = null)
        => throw new MqttProtocolException(reasonCode, message, rule);

    /// <summary>The body ended before a field it declares.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void ThrowTruncated(string field)
        => throw new MqttProtocolException(
            MqttReasonCode.MalformedPacket,
            $"the packet ends inside the {field} (Remaining Length is shorter than the content)",
            "2.1.4");
}
