using System.Buffers;

namespace SecureMqtt.Packets;

/// <summary>
/// Encodes MQTT packets: the exact size is computed first, then the packet is written in one
/// <see cref="IBufferWriter{T}.GetSpan"/> / <see cref="IBufferWriter{T}.Advance"/>.
/// </summary>
public static partial class MqttPacketWriter
{
    /// <summary>The exact number of bytes <see cref="Write"/> produces for this packet.</summary>
    /// <param name="packet">The packet.</param>
    /// <param name="version">The protocol version of the connection (CONNECT uses its own).</param>
    /// <returns>Fixed header plus body, in bytes.</returns>
    /// <exception cref="ArgumentException">The packet cannot be valid on the wire.</exception>
    public static int GetSize(MqttPacket packet, MqttProtocolVersion version)
        => throw new NotImplementedException();

    /// <summary>Writes a packet.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <param name="version">The protocol version of the connection (CONNECT uses its own).</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">The packet cannot be valid on the wire (string too long, packet id 0 where one is required, ...).</exception>
    public static int Write(IBufferWriter<byte> writer, MqttPacket packet, MqttProtocolVersion version)
        => throw new NotImplementedException();

    /// <summary>Writes PUBACK, PUBREC, PUBREL or PUBCOMP without allocating.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="ack">The acknowledgement.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">The packet id is 0 or a field is too long.</exception>
    public static int WriteAck(IBufferWriter<byte> writer, in MqttAck ack, MqttProtocolVersion version)
        => throw new NotImplementedException();

    /// <summary>Writes PINGREQ (two bytes).</summary>
    /// <param name="writer">Where to write.</param>
    /// <returns>The number of bytes written (2).</returns>
    public static int WritePingReq(IBufferWriter<byte> writer)
        => throw new NotImplementedException();
}
