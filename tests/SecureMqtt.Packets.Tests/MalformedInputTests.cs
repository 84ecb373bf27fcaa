using System.Buffers;
using SecureMqtt.Packets.Tests.Support;
using static SecureMqtt.Packets.MqttProtocolVersion;
using static SecureMqtt.Packets.MqttReasonCode;

namespace SecureMqtt.Packets.Tests;

/// <summary>One case per rule a receiver must enforce: the reason code and the rule id are part of the contract.</summary>
public class MalformedInputTests
{
    public static TheoryData<string, MqttProtocolVersion, string, MqttReasonCode, string> Cases => new()
    {
        { "reserved packet type 0", V500, "00 00", MalformedPacket, "2.1.2" },
        { "PUBACK with reserved flags set", V311, "41 02 00 01", MalformedPacket, "MQTT-2.1.3-1" },
        { "PUBREL without its fixed 0010 flags", V500, "60 02 00 01", MalformedPacket, "MQTT-2.1.3-1" },
        { "SUBSCRIBE without its fixed 0010 flags", V311, "80 06 00 01 00 01 'a' 00", MalformedPacket, "MQTT-2.1.3-1" },
        { "PINGREQ with flags", V311, "C1 00", MalformedPacket, "MQTT-2.1.3-1" },
        { "PUBLISH QoS 3", V311, "36 05 00 01 't' 00 01", MalformedPacket, "MQTT-3.3.1-4" },
        { "PUBLISH DUP on QoS 0", V500, "38 05 00 01 't' 00 'x'", MalformedPacket, "MQTT-3.3.1-2" },
        { "Remaining Length of five bytes", V311, "30 80 80 80 80 01", MalformedPacket, "1.5.5" },
        { "Remaining Length not in shortest form", V311, "30 80 00", MalformedPacket, "MQTT-1.5.5-1" },
        { "Remaining Length shorter than the content (CONNECT password cut)", V311,
            "10 1E 00 04 'MQTT' 04 EE 00 3C 00 02 'c1' 00 03 'w/t' 00 03 'bye' 00 01 'u' 00 02 'p'", MalformedPacket, "2.1.4" },
        { "Remaining Length longer than the content (CONNECT trailing byte)", V311, "10 0D 00 04 'MQTT' 04 00 00 00 00 00 FF", MalformedPacket, "2.1.4" },
        { "Remaining Length longer than the content (PUBACK after properties)", V500, "40 05 00 01 00 00 FF", MalformedPacket, "2.1.4" },
        { "PUBACK 3.1.1 longer than two bytes", V311, "40 03 00 01 00", MalformedPacket, "3.4.1" },
        { "PUBLISH QoS 1 with packet identifier 0", V311, "32 05 00 01 't' 00 00", ProtocolError, "MQTT-2.2.1-3" },
        { "PUBACK with packet identifier 0", V500, "40 02 00 00", ProtocolError, "MQTT-2.2.1-3" },
        { "PUBLISH topic with '+'", V311, "30 05 00 03 'a/+'", TopicNameInvalid, "MQTT-3.3.2-2" },
        { "PUBLISH topic with '#'", V500, "30 06 00 03 'a/#' 00", TopicNameInvalid, "MQTT-3.3.2-2" },
        { "PUBLISH 3.1.1 with empty topic", V311, "30 03 00 00 'x'", ProtocolError, "MQTT-4.7.3-1" },
        { "PUBLISH 5.0 with empty topic and no alias", V500, "30 03 00 00 00", ProtocolError, "MQTT-4.7.3-1" },
        { "invalid UTF-8 in a topic", V311, "30 04 00 02 C3 28", MalformedPacket, "MQTT-1.5.4-1" },
        { "overlong UTF-8 in a topic", V311, "30 04 00 02 C0 AF", MalformedPacket, "MQTT-1.5.4-1" },
        { "UTF-8 encoded surrogate in a topic", V311, "30 05 00 03 ED A0 80", MalformedPacket, "MQTT-1.5.4-1" },
        { "U+0000 in a topic", V311, "30 05 00 03 'a' 00 'b'", MalformedPacket, "MQTT-1.5.4-2" },
        { "U+0000 in a user property", V500, "30 0C 00 01 't' 07 26 00 01 00 00 01 'v' 'x'", MalformedPacket, "MQTT-1.5.4-2" },
        { "duplicate Payload Format Indicator", V500, "30 08 00 01 't' 04 01 00 01 01", ProtocolError, "2.2.2.2" },
        { "duplicate Subscription Identifier in SUBSCRIBE", V500, "82 0B 00 01 04 0B 01 0B 02 00 01 'a' 00", ProtocolError, "2.2.2.2" },
        { "Session Expiry Interval in PUBLISH", V500, "30 09 00 01 't' 05 11 00 00 00 01", MalformedPacket, "2.2.2.2" },
        { "Topic Alias in CONNACK", V500, "20 06 00 00 03 23 00 01", MalformedPacket, "2.2.2.2" },
        { "Will Delay Interval in CONNECT properties", V500, "10 12 00 04 'MQTT' 05 00 00 00 05 18 00 00 00 01 00 00", MalformedPacket, "2.2.2.2" },
        { "unknown property identifier 0x04", V500, "30 06 00 01 't' 02 04 00", MalformedPacket, "2.2.2.2" },
        { "property length past the end of the packet", V500, "30 06 00 01 't' 09 01 01", MalformedPacket, "2.2.2.1" },
        { "Authentication Data without Authentication Method", V500, "F0 07 18 05 16 00 02 01 02", ProtocolError, "3.1.2.11.10" },
        { "Topic Alias 0", V500, "30 07 00 01 't' 03 23 00 00", TopicAliasInvalid, "MQTT-3.3.2-8" },
        { "Receive Maximum 0", V500, "20 06 00 00 03 21 00 00", ProtocolError, "3.1.2.11.3" },
        { "Maximum Packet Size 0", V500, "20 08 00 00 05 27 00 00 00 00", ProtocolError, "3.1.2.11.4" },
        { "Subscription Identifier 0", V500, "30 06 00 01 't' 02 0B 00", ProtocolError, "3.3.2.3.8" },
        { "Payload Format Indicator 2", V500, "30 06 00 01 't' 02 01 02", ProtocolError, "3.3.2.3.2" },
        { "Response Topic with a wildcard", V500, "30 09 00 01 't' 05 08 00 02 'a#'", ProtocolError, "MQTT-3.3.2-14" },
        { "SUBSCRIBE 3.1.1 with no filters", V311, "82 02 00 01", ProtocolError, "MQTT-3.8.3-2" },
        { "SUBSCRIBE 5.0 with no filters", V500, "82 03 00 01 00", ProtocolError, "MQTT-3.8.3-2" },
        { "UNSUBSCRIBE with no filters", V311, "A2 02 00 01", ProtocolError, "MQTT-3.10.3-2" },
        { "SUBSCRIBE 3.1.1 options with reserved bits", V311, "82 06 00 01 00 01 'a' 04", MalformedPacket, "MQTT-3.8.3-4" },
        { "SUBSCRIBE 5.0 options with reserved bits", V500, "82 07 00 01 00 00 01 'a' 40", MalformedPacket, "MQTT-3.8.3-5" },
        { "SUBSCRIBE 3.1.1 requesting QoS 3", V311, "82 06 00 01 00 01 'a' 03", MalformedPacket, "MQTT-3.8.3-4" },
        { "SUBSCRIBE 5.0 requesting QoS 3", V500, "82 07 00 01 00 00 01 'a' 03", ProtocolError, "3.8.3.1" },
        { "SUBSCRIBE Retain Handling 3", V500, "82 07 00 01 00 00 01 'a' 30", ProtocolError, "3.8.3.1" },
        { "SUBSCRIBE No Local on a shared subscription", V500, "82 10 00 01 00 00 0A '$share/g/a' 04", ProtocolError, "MQTT-3.8.3-4" },
        { "SUBSCRIBE with filter a/#/b", V311, "82 0A 00 01 00 05 'a/#/b' 00", TopicFilterInvalid, "MQTT-4.7.1-1" },
        { "UNSUBSCRIBE with filter a+", V311, "A2 06 00 01 00 02 'a+'", TopicFilterInvalid, "MQTT-4.7.1-1" },
        { "CONNECT with protocol name MQTX", V311, "10 0C 00 04 'MQTX' 04 00 00 00 00 00", UnsupportedProtocolVersion, "MQTT-3.1.2-1" },
        { "CONNECT with protocol level 3", V311, "10 0C 00 04 'MQTT' 03 00 00 00 00 00", UnsupportedProtocolVersion, "MQTT-3.1.2-2" },
        { "CONNECT with the reserved flag set", V311, "10 0C 00 04 'MQTT' 04 01 00 00 00 00", MalformedPacket, "MQTT-3.1.2-3" },
        { "CONNECT with Will QoS 3", V311, "10 0C 00 04 'MQTT' 04 1C 00 00 00 00", MalformedPacket, "MQTT-3.1.2-12" },
        { "CONNECT with Will QoS but no Will", V311, "10 0C 00 04 'MQTT' 04 08 00 00 00 00", MalformedPacket, "MQTT-3.1.2-11" },
        { "CONNECT with Will Retain but no Will", V500, "10 0D 00 04 'MQTT' 05 20 00 00 00 00 00", MalformedPacket, "MQTT-3.1.2-13" },
        { "CONNECT 3.1.1 password without user name", V311, "10 0E 00 04 'MQTT' 04 40 00 00 00 00 00 00", MalformedPacket, "MQTT-3.1.2-22" },
        { "CONNECT with a wildcard Will Topic", V311, "10 11 00 04 'MQTT' 04 04 00 00 00 00 00 01 '#' 00 00", TopicNameInvalid, "MQTT-3.1.3-11" },
        { "CONNACK with reserved acknowledge flags", V311, "20 02 02 00", MalformedPacket, "MQTT-3.2.2-1" },
        { "CONNACK 3.1.1 return code 6", V311, "20 02 00 06", ProtocolError, "3.2.2.2" },
        { "CONNACK 5.0 reason code not defined for CONNACK", V500, "20 03 00 8E 00", ProtocolError, "3.2.2.2" },
        { "CONNACK refusing with Session Present", V500, "20 03 01 87 00", ProtocolError, "MQTT-3.2.2-6" },
        { "PUBREL with a PUBACK-only reason code", V500, "62 03 00 01 10", ProtocolError, "3.4.2.1" },
        { "SUBACK 3.1.1 return code 3", V311, "90 03 00 01 03", ProtocolError, "MQTT-3.9.3-2" },
        { "SUBACK without reason codes", V500, "90 03 00 01 00", ProtocolError, "3.9.3" },
        { "UNSUBACK 5.0 reason code 0x05", V500, "B0 04 00 01 00 05", ProtocolError, "3.11.3" },
        { "UNSUBACK 3.1.1 with a reason code", V311, "B0 03 00 01 00", MalformedPacket, "3.11.1" },
        { "PINGRESP with a body", V311, "D0 01 00", MalformedPacket, "3.13.1" },
        { "PINGRESP 5.0 with two trailing bytes", V500, "D0 02 00 00", MalformedPacket, "3.13.1" },
        { "PINGREQ with a body", V311, "C0 01 00", MalformedPacket, "3.12.1" },
        { "PINGREQ 5.0 with a body", V500, "C0 01 FF", MalformedPacket, "3.12.1" },
        { "DISCONNECT 3.1.1 with a body", V311, "E0 01 00", MalformedPacket, "3.14.1" },
        { "DISCONNECT 3.1.1 with a 5.0 reason code and properties", V311, "E0 02 00 00", MalformedPacket, "3.14.1" },
        { "DISCONNECT reason code 0x01", V500, "E0 01 01", ProtocolError, "3.14.2.1" },
        { "AUTH under 3.1.1", V311, "F0 00", MalformedPacket, "2.2.1" },
        { "AUTH reason code 0x80", V500, "F0 02 80 00", ProtocolError, "3.15.2.1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rejects_with_the_reason_code_and_rule_of_the_specification(string description, MqttProtocolVersion version, string hex, MqttReasonCode reasonCode, string rule)
    {
        var bytes = Bytes.Parse(hex);

        var whole = Decode(new ReadOnlySequence<byte>(bytes), version);
        var perByte = Decode(Bytes.OneBytePerSegment(bytes), version);

        Assert.True(reasonCode == whole.ReasonCode, $"{description}: expected {reasonCode}, got {whole.ReasonCode} ({whole.Message})");
        Assert.Equal(rule, whole.Rule);
        Assert.Contains($"[{rule}]", whole.Message, StringComparison.Ordinal);
        Assert.Equal(whole.Message, perByte.Message);
    }

    [Theory]
    [InlineData("30 FF FF FF 7F", 1024u)]
    [InlineData("30 80 08", 1026u)]
    [InlineData("82 E4 01", 100u)]
    public void Rejects_remaining_length_above_maximum_before_reading_body(string header, uint maximumPacketSize)
    {
        // Only the fixed header has arrived; waiting for the body would mean buffering what we refuse.
        var buffer = new ReadOnlySequence<byte>(Bytes.Parse(header));

        var ex = Assert.Throws<MqttProtocolException>(() => MqttPacketReader.TryReadFrame(ref buffer, maximumPacketSize, out _));

        Assert.Equal(PacketTooLarge, ex.ReasonCode);
        Assert.Equal("MQTT-3.1.2-24", ex.Rule);
    }

    [Theory]
    [InlineData("D0 01", "PINGRESP", "3.13.1")]
    [InlineData("D0 80 01", "PINGRESP", "3.13.1")]
    [InlineData("C0 FF FF FF 7F", "PINGREQ", "3.12.1")]
    public void Rejects_a_ping_with_a_body_from_the_fixed_header_alone(string header, string packet, string rule)
    {
        // Only the fixed header has arrived: a body the packet cannot have is refused, not awaited.
        var buffer = new ReadOnlySequence<byte>(Bytes.Parse(header));

        var ex = Assert.Throws<MqttProtocolException>(() => MqttPacketReader.TryReadFrame(ref buffer, uint.MaxValue, out _));

        Assert.Equal(MalformedPacket, ex.ReasonCode);
        Assert.Equal(rule, ex.Rule);
        Assert.StartsWith($"{packet} has Remaining Length ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hand_built_ping_frame_with_a_body_does_not_decode()
    {
        var frame = new MqttFrame(MqttPacketType.PingResp, 0, new ReadOnlySequence<byte>([0x00]), 3);

        var ex = Assert.Throws<MqttProtocolException>(() => MqttPacketReader.Decode(frame, V500));

        Assert.Equal("3.13.1", ex.Rule);
    }

    [Fact]
    public void Accepts_a_packet_exactly_at_the_maximum_size()
    {
        var bytes = Vectors.Get("PUBLISH 3.1.1 QoS 0").Bytes;
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.True(MqttPacketReader.TryReadFrame(ref buffer, (uint)bytes.Length, out var frame));
        Assert.Equal(bytes.Length, frame.TotalLength);
    }

    [Fact]
    public void Rejects_publish_qos_3_from_the_first_byte_alone()
    {
        var buffer = new ReadOnlySequence<byte>([0x36]);

        var ex = Assert.Throws<MqttProtocolException>(() => MqttPacketReader.TryReadFrame(ref buffer, uint.MaxValue, out _));

        Assert.Equal("MQTT-3.3.1-4", ex.Rule);
    }

    [Fact]
    public void DecodeAck_refuses_a_frame_that_is_not_an_acknowledgement()
    {
        var frame = new MqttFrame(MqttPacketType.Publish, 0, ReadOnlySequence<byte>.Empty, 2);

        Assert.Throws<ArgumentException>(() => MqttPacketReader.DecodeAck(frame, V500));
        Assert.Throws<ArgumentException>(() => MqttPacketReader.DecodePublish(new MqttFrame(MqttPacketType.PubAck, 0, ReadOnlySequence<byte>.Empty, 2), V500));
    }

    private static MqttProtocolException Decode(ReadOnlySequence<byte> buffer, MqttProtocolVersion version)
        => Assert.Throws<MqttProtocolException>(() => MqttPacketReader.TryRead(ref buffer, version, uint.MaxValue, out _));
}
