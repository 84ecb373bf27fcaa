using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace SecureMqtt.Packets;

/// <summary>
/// Decodes MQTT packets from received bytes. Pure functions over <see cref="ReadOnlySequence{T}"/>: a packet split
/// at any byte across segments decodes identically, and nothing is allocated for bytes that have not arrived.
/// </summary>
public static partial class MqttPacketReader
{
    /// <summary>
    /// Cuts one whole packet off the front of <paramref name="buffer"/>.
    /// </summary>
    /// <param name="buffer">Received bytes; advanced past the packet when this returns true, untouched otherwise.</param>
    /// <param name="maximumPacketSize">The largest packet (fixed header included) this side accepts; larger ones are refused from the fixed header alone.</param>
    /// <param name="frame">The packet's type, flags and body when this returns true.</param>
    /// <returns>True when a whole packet was available; false when more bytes are needed.</returns>
    /// <exception cref="MqttProtocolException">The fixed header is malformed or declares a packet above <paramref name="maximumPacketSize"/>.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, uint maximumPacketSize, out MqttFrame frame)
        => throw new NotImplementedException();

    /// <summary>Decodes any packet type, in either direction.</summary>
    /// <param name="frame">A frame from <see cref="TryReadFrame"/>.</param>
    /// <param name="version">The protocol version negotiated for the connection (CONNECT carries its own).</param>
    /// <returns>The packet; acknowledgements come back as <see cref="MqttAckPacket"/>.</returns>
    /// <exception cref="MqttProtocolException">The packet breaks the specification.</exception>
    public static MqttPacket Decode(in MqttFrame frame, MqttProtocolVersion version)
        => throw new NotImplementedException();

    /// <summary>Decodes PUBACK, PUBREC, PUBREL or PUBCOMP without allocating (unless it carries MQTT 5 properties).</summary>
    /// <param name="frame">A frame of one of the four acknowledgement types.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <returns>The acknowledgement.</returns>
    /// <exception cref="MqttProtocolException">The packet breaks the specification.</exception>
    /// <exception cref="ArgumentException">The frame is not an acknowledgement.</exception>
    public static MqttAck DecodeAck(in MqttFrame frame, MqttProtocolVersion version)
        => throw new NotImplementedException();

    /// <summary>Decodes PUBLISH; allocates the packet, the topic string, a copy of the payload and properties present.</summary>
    /// <param name="frame">A PUBLISH frame.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <returns>The packet.</returns>
    /// <exception cref="MqttProtocolException">The packet breaks the specification.</exception>
    /// <exception cref="ArgumentException">The frame is not a PUBLISH.</exception>
    public static MqttPublishPacket DecodePublish(in MqttFrame frame, MqttProtocolVersion version)
        => throw new NotImplementedException();

    /// <summary>Convenience: <see cref="TryReadFrame"/> then <see cref="Decode"/>.</summary>
    /// <param name="buffer">Received bytes; advanced past the packet when this returns true.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <param name="maximumPacketSize">The largest packet this side accepts.</param>
    /// <param name="packet">The decoded packet when this returns true.</param>
    /// <returns>True when a whole packet was decoded; false when more bytes are needed.</returns>
    /// <exception cref="MqttProtocolException">The bytes break the specification.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, MqttProtocolVersion version, uint maximumPacketSize, [NotNullWhen(true)] out MqttPacket? packet)
        => throw new NotImplementedException();
}
