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
        => packet switch
        {
            MqttPublishPacket publish => WireSize.Packet(PublishCodec.GetRemainingLength(publish, version, out _), "PUBLISH"),
            MqttAckPacket ack => WireSize.Packet(AckCodec.GetRemainingLength(ack.Ack, version, out _), "acknowledgement"),
            MqttConnectPacket connect => WireSize.Packet(ConnectCodec.GetRemainingLength(connect, out _, out _), "CONNECT"),
            MqttConnAckPacket connAck => WireSize.Packet(ConnAckCodec.GetRemainingLength(connAck, version, out _), "CONNACK"),
            MqttSubscribePacket subscribe => WireSize.Packet(SubscribeCodec.GetRemainingLength(subscribe, version, out _), "SUBSCRIBE"),
            MqttSubAckPacket subAck => WireSize.Packet(SubAckCodec.GetRemainingLength(subAck, version, out _), "SUBACK"),
            MqttUnsubscribePacket unsubscribe => WireSize.Packet(UnsubscribeCodec.GetRemainingLength(unsubscribe, version, out _), "UNSUBSCRIBE"),
            MqttUnsubAckPacket unsubAck => WireSize.Packet(UnsubAckCodec.GetRemainingLength(unsubAck, version, out _), "UNSUBACK"),
            MqttPingReqPacket or MqttPingRespPacket => 2,
            MqttDisconnectPacket disconnect => WireSize.Packet(DisconnectCodec.GetRemainingLength(disconnect, version, out _), "DISCONNECT"),
            MqttAuthPacket auth => WireSize.Packet(AuthCodec.GetRemainingLength(auth, version, out _), "AUTH"),
            null => throw new ArgumentNullException(nameof(packet)),
            _ => throw new ArgumentException($"unknown packet class {packet.GetType().Name}.", nameof(packet)),
        };

    /// <summary>Writes a packet.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="packet">The packet.</param>
    /// <param name="version">The protocol version of the connection (CONNECT uses its own).</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">The packet cannot be valid on the wire (string too long, packet id 0 where one is required, ...).</exception>
    public static int Write(IBufferWriter<byte> writer, MqttPacket packet, MqttProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return packet switch
        {
            MqttPublishPacket publish => PublishCodec.Write(writer, publish, version),
            MqttAckPacket ack => AckCodec.Write(writer, ack.Ack, version),
            MqttConnectPacket connect => ConnectCodec.Write(writer, connect),
            MqttConnAckPacket connAck => ConnAckCodec.Write(writer, connAck, version),
            MqttSubscribePacket subscribe => SubscribeCodec.Write(writer, subscribe, version),
            MqttSubAckPacket subAck => SubAckCodec.Write(writer, subAck, version),
            MqttUnsubscribePacket unsubscribe => UnsubscribeCodec.Write(writer, unsubscribe, version),
            MqttUnsubAckPacket unsubAck => UnsubAckCodec.Write(writer, unsubAck, version),
            MqttPingReqPacket => PingCodec.Write(writer, MqttPacketType.PingReq),
            MqttPingRespPacket => PingCodec.Write(writer, MqttPacketType.PingResp),
            MqttDisconnectPacket disconnect => DisconnectCodec.Write(writer, disconnect, version),
            MqttAuthPacket auth => AuthCodec.Write(writer, auth, version),
            null => throw new ArgumentNullException(nameof(packet)),
            _ => throw new ArgumentException($"unknown packet class {packet.GetType().Name}.", nameof(packet)),
        };
    }

    /// <summary>The exact number of bytes <see cref="WritePublish"/> produces for these fields.</summary>
    /// <param name="publish">The PUBLISH to size.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <returns>Fixed header plus body, in bytes.</returns>
    /// <exception cref="ArgumentException">The packet cannot be valid on the wire.</exception>
    public static int GetPublishSize(in MqttPublishFields publish, MqttProtocolVersion version) =>
        WireSize.Packet(PublishCodec.GetRemainingLength(publish, version, out _), "PUBLISH");

    /// <summary>Writes a PUBLISH from its fields without allocating; the bytes equal <see cref="Write"/>'s for the same packet.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="publish">The PUBLISH to write.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">The packet cannot be valid on the wire (string too long, packet id 0 at QoS 1/2, ...).</exception>
    public static int WritePublish(IBufferWriter<byte> writer, in MqttPublishFields publish, MqttProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return PublishCodec.Write(writer, publish, version);
    }

    /// <summary>Writes PUBACK, PUBREC, PUBREL or PUBCOMP without allocating.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="ack">The acknowledgement.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">The packet id is 0 or a field is too long.</exception>
    public static int WriteAck(IBufferWriter<byte> writer, in MqttAck ack, MqttProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return AckCodec.Write(writer, ack, version);
    }

    /// <summary>Writes PINGREQ (two bytes).</summary>
    /// <param name="writer">Where to write.</param>
    /// <returns>The number of bytes written (2).</returns>
    public static int WritePingReq(IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return PingCodec.Write(writer, MqttPacketType.PingReq);
    }
}
