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
    /// <exception cref="MqttProtocolException">The fixed header is malformed, declares a packet above <paramref name="maximumPacketSize"/>, or declares a body for PINGREQ or PINGRESP, which have none.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, uint maximumPacketSize, out MqttFrame frame)
    {
        frame = default;
        if (buffer.IsEmpty)
        {
            return false;
        }

        // Fast path: most packets under 128 bytes (acks, pings, small publishes) arrive whole in one segment.
        var span = buffer.FirstSpan;
        if (span.Length >= 2 && span[1] < 0x80)
        {
            var smallType = (MqttPacketType)(span[0] >> 4);
            var smallFlags = (byte)(span[0] & 0x0F);
            FixedHeader.Check(smallType, smallFlags);
            FixedHeader.CheckRemainingLength(smallType, span[1]);
            var total = 2 + span[1];
            if (total > maximumPacketSize)
            {
                ThrowTooLarge(smallType, total, maximumPacketSize);
            }

            if (buffer.Length < total)
            {
                return false;
            }

            frame = new MqttFrame(smallType, smallFlags, buffer.Slice(2, span[1]), total);
            buffer = buffer.Slice(total);
            return true;
        }

        var reader = new SequenceReader<byte>(buffer);
        reader.TryRead(out var first);
        var type = (MqttPacketType)(first >> 4);
        var flags = (byte)(first & 0x0F);
        FixedHeader.Check(type, flags);
        if (!VariableByteInteger.TryRead(ref reader, out var remainingLength))
        {
            return false;
        }

        FixedHeader.CheckRemainingLength(type, remainingLength);
        var headerLength = (int)reader.Consumed;
        var totalLength = (long)headerLength + remainingLength;
        if (totalLength > maximumPacketSize)
        {
            ThrowTooLarge(type, totalLength, maximumPacketSize);
        }

        if (reader.Remaining < remainingLength)
        {
            return false;
        }

        frame = new MqttFrame(type, flags, buffer.Slice(headerLength, remainingLength), (int)totalLength);
        buffer = buffer.Slice(totalLength);
        return true;
    }

    /// <summary>Decodes any packet type, in either direction.</summary>
    /// <param name="frame">A frame from <see cref="TryReadFrame"/>.</param>
    /// <param name="version">The protocol version negotiated for the connection (CONNECT carries its own).</param>
    /// <returns>The packet; acknowledgements come back as <see cref="MqttAckPacket"/>.</returns>
    /// <exception cref="MqttProtocolException">The packet breaks the specification.</exception>
    public static MqttPacket Decode(in MqttFrame frame, MqttProtocolVersion version)
        => frame.Type switch
        {
            MqttPacketType.Connect => ConnectCodec.Decode(frame),
            MqttPacketType.ConnAck => ConnAckCodec.Decode(frame, version),
            MqttPacketType.Publish => PublishCodec.Decode(frame, version),
            MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp
                => new MqttAckPacket(AckCodec.Decode(frame, version)),
            MqttPacketType.Subscribe => SubscribeCodec.Decode(frame, version),
            MqttPacketType.SubAck => SubAckCodec.Decode(frame, version),
            MqttPacketType.Unsubscribe => UnsubscribeCodec.Decode(frame, version),
            MqttPacketType.UnsubAck => UnsubAckCodec.Decode(frame, version),
            MqttPacketType.PingReq or MqttPacketType.PingResp => PingCodec.Decode(frame),
            MqttPacketType.Disconnect => DisconnectCodec.Decode(frame, version),
            MqttPacketType.Auth => AuthCodec.Decode(frame, version),
            _ => throw new MqttProtocolException(MqttReasonCode.MalformedPacket, "packet type 0 is reserved", "2.1.2"),
        };

    /// <summary>Decodes PUBACK, PUBREC, PUBREL or PUBCOMP without allocating (unless it carries MQTT 5 properties).</summary>
    /// <param name="frame">A frame of one of the four acknowledgement types.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <returns>The acknowledgement.</returns>
    /// <exception cref="MqttProtocolException">The packet breaks the specification.</exception>
    /// <exception cref="ArgumentException">The frame is not an acknowledgement.</exception>
    public static MqttAck DecodeAck(in MqttFrame frame, MqttProtocolVersion version)
        => AckCodec.Decode(frame, version);

    /// <summary>
    /// Decodes PUBLISH without a packet object: the fields as a value (its <see cref="MqttPublishFields.Payload"/>
    /// left empty) and the payload as a slice of <paramref name="frame"/>, which is only valid as long as the frame's
    /// bytes are, so a caller that keeps the message copies it (into an array of its own or a pooled one). Topic
    /// strings come from <paramref name="topics"/> when it has seen the same bytes. Checks what
    /// <see cref="DecodePublish"/> checks.
    /// </summary>
    /// <param name="frame">A PUBLISH frame.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <param name="topics">Recently decoded topics to reuse, or null to decode every topic.</param>
    /// <param name="payload">The payload bytes, inside the frame.</param>
    /// <returns>The packet's fields.</returns>
    /// <exception cref="MqttProtocolException">The packet breaks the specification.</exception>
    /// <exception cref="ArgumentException">The frame is not a PUBLISH.</exception>
    public static MqttPublishFields DecodePublishFields(in MqttFrame frame, MqttProtocolVersion version, MqttTopicCache? topics, out ReadOnlySequence<byte> payload)
    {
        RequirePublish(frame);
        return PublishCodec.DecodeFields(frame, version, topics, out payload);
    }

    /// <summary>Decodes PUBLISH; allocates the packet, the topic string, a copy of the payload and properties present.</summary>
    /// <param name="frame">A PUBLISH frame.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <returns>The packet.</returns>
    /// <exception cref="MqttProtocolException">The packet breaks the specification.</exception>
    /// <exception cref="ArgumentException">The frame is not a PUBLISH.</exception>
    public static MqttPublishPacket DecodePublish(in MqttFrame frame, MqttProtocolVersion version)
    {
        RequirePublish(frame);
        return PublishCodec.Decode(frame, version);
    }

    private static void RequirePublish(in MqttFrame frame)
    {
        if (frame.Type != MqttPacketType.Publish)
        {
            throw new ArgumentException($"{FixedHeader.Name(frame.Type)} is not PUBLISH.", nameof(frame));
        }
    }

    /// <summary>Convenience: <see cref="TryReadFrame"/> then <see cref="Decode"/>.</summary>
    /// <param name="buffer">Received bytes; advanced past the packet when this returns true.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <param name="maximumPacketSize">The largest packet this side accepts.</param>
    /// <param name="packet">The decoded packet when this returns true.</param>
    /// <returns>True when a whole packet was decoded; false when more bytes are needed.</returns>
    /// <exception cref="MqttProtocolException">The bytes break the specification.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, MqttProtocolVersion version, uint maximumPacketSize, [NotNullWhen(true)] out MqttPacket? packet)
    {
        if (!TryReadFrame(ref buffer, maximumPacketSize, out var frame))
        {
            packet = null;
            return false;
        }

        packet = Decode(frame, version);
        return true;
    }

    // [MQTT-3.1.2-24] Refuse before the body arrives: never buffer what the peer declares beyond the limit.
    [DoesNotReturn]
    private static void ThrowTooLarge(MqttPacketType type, long totalLength, uint maximumPacketSize)
        => throw new MqttProtocolException(
            MqttReasonCode.PacketTooLarge,
            $"{FixedHeader.Name(type)} of {totalLength} bytes exceeds the maximum packet size of {maximumPacketSize} bytes",
            "MQTT-3.1.2-24");
}
