using System.Buffers;

namespace SecureMqtt.Packets;

/// <summary>
/// One whole packet cut from the receive buffer by <see cref="MqttPacketReader.TryReadFrame"/>: the fixed header
/// parsed, the body still bytes. The body points into the caller's buffer, so decode it before releasing that buffer.
/// </summary>
public readonly struct MqttFrame
{
    /// <summary>Creates a frame.</summary>
    /// <param name="type">The control packet type.</param>
    /// <param name="flags">The low nibble of the first byte.</param>
    /// <param name="body">The variable header and payload (Remaining Length bytes).</param>
    /// <param name="totalLength">Fixed header plus body, in bytes.</param>
    public MqttFrame(MqttPacketType type, byte flags, ReadOnlySequence<byte> body, int totalLength)
    {
        Type = type;
        Flags = flags;
        Body = body;
        TotalLength = totalLength;
    }

    /// <summary>The control packet type.</summary>
    public MqttPacketType Type { get; }

    /// <summary>The low nibble of the fixed header's first byte (PUBLISH: DUP, QoS, RETAIN).</summary>
    public byte Flags { get; }

    /// <summary>The variable header and payload: exactly Remaining Length bytes.</summary>
    public ReadOnlySequence<byte> Body { get; }

    /// <summary>The packet's size on the wire: fixed header plus body.</summary>
    public int TotalLength { get; }
}
