using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests.Hostile;

/// <summary>Bytes that are not a well-formed packet: the client closes with a protocol error, never hangs or crashes.</summary>
public sealed class MalformedPacketTests : HostileTestBase
{
    private static byte[] NoProperties(MqttProtocolVersion version) => version == MqttProtocolVersion.V500 ? [0] : [];

    private static byte[] Qos0Publish(MqttProtocolVersion version, byte[] topic, byte first = 0x30) =>
        Wire.Packet(first, Wire.String(topic), NoProperties(version), [1, 2, 3]);

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_packet_truncated_by_the_peer_closing_ends_the_connection_and_says_so(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        var whole = Wire.Encode(new MqttPublishPacket { Topic = "t", Payload = new byte[100] }, version);
        await s.SendRawAsync(whole[..40]);
        await s.Broker.EndOutputAsync();

        var error = await s.AssertConnectionLostAsync();
        Assert.Contains("incomplete packet", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_remaining_length_longer_than_what_follows_before_close_ends_the_connection(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);

        // PUBLISH declaring 200 bytes, followed by 10.
        await s.SendRawAsync([0x30, 200, 1, .. Wire.String("topic"), .. new byte[2]]);
        await s.Broker.EndOutputAsync();

        var error = await s.AssertConnectionLostAsync();
        Assert.Contains("incomplete packet", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_five_byte_remaining_length_is_malformed(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.SendRawAsync([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
        await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_remaining_length_above_our_maximum_packet_size_is_refused_from_the_header_alone(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version, o => o with { MaximumPacketSize = 1024 });

        // Only the fixed header of a 1 MB PUBLISH: the body never comes, so the client must decide from the header.
        await s.SendRawAsync([0x30, .. Wire.VariableByteInteger(1024 * 1024)]);
        await s.AssertProtocolViolationAsync(MqttReasonCode.PacketTooLarge);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, new byte[] { 0xD0, 0x01, 0x00 })]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0xD0, 0x02, 0x00, 0x00 })]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0xD0, 0x05 })]
    [InlineData(MqttProtocolVersion.V311, new byte[] { 0xE0, 0x01, 0x00 })]
    public async Task A_pingresp_or_3_1_1_disconnect_with_a_body_is_malformed(MqttProtocolVersion version, byte[] packet)
    {
        // PINGRESP (3.13.1) and 3.1.1 DISCONNECT (3.14.1) have Remaining Length 0; a PINGRESP's body is refused
        // from its fixed header, before the body arrives.
        await using var s = await HostileSession.StartAsync(version);
        await s.SendRawAsync(packet);
        await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
    }

    [Fact]
    public async Task The_largest_remaining_length_the_encoding_allows_is_refused_under_the_default_limit()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);
        await s.SendRawAsync([0x30, 0xFF, 0xFF, 0xFF, 0x7F]);
        await s.AssertProtocolViolationAsync(MqttReasonCode.PacketTooLarge);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, new byte[] { 0x42, 0x02, 0x00, 0x01 })]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0x42, 0x02, 0x00, 0x01 })]
    [InlineData(MqttProtocolVersion.V311, new byte[] { 0x91, 0x03, 0x00, 0x01, 0x00 })]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0x91, 0x04, 0x00, 0x01, 0x00, 0x00 })]
    [InlineData(MqttProtocolVersion.V311, new byte[] { 0xD8, 0x00 })]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0xD8, 0x00 })]
    public async Task Reserved_fixed_header_flags_are_malformed(MqttProtocolVersion version, byte[] packet)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.SendRawAsync(packet);
        var error = await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
        Assert.Equal("MQTT-2.1.3-1", error.Rule);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_publish_with_QoS_3_is_malformed(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.SendRawAsync(Wire.Packet(0x36, Wire.String("t"), Wire.UInt16(5), NoProperties(version)));
        var error = await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
        Assert.Equal("MQTT-3.3.1-4", error.Rule);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, 0x32)]
    [InlineData(MqttProtocolVersion.V500, 0x32)]
    [InlineData(MqttProtocolVersion.V311, 0x34)]
    [InlineData(MqttProtocolVersion.V500, 0x34)]
    public async Task A_QoS_1_or_2_publish_with_packet_identifier_0_is_a_protocol_error(MqttProtocolVersion version, byte first)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.SendRawAsync(Wire.Packet(first, Wire.String("t"), Wire.UInt16(0), NoProperties(version), [9]));
        var error = await s.AssertProtocolViolationAsync(MqttReasonCode.ProtocolError);
        Assert.Equal("MQTT-2.2.1-3", error.Rule);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, new byte[] { 0x61, 0xC3, 0x28 }, "MQTT-1.5.4-1")]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0x61, 0xC3, 0x28 }, "MQTT-1.5.4-1")]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0xED, 0xA0, 0x80 }, "MQTT-1.5.4-1")]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0x61, 0xFF }, "MQTT-1.5.4-1")]
    [InlineData(MqttProtocolVersion.V311, new byte[] { 0x61, 0x00, 0x62 }, "MQTT-1.5.4-2")]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0x61, 0x00, 0x62 }, "MQTT-1.5.4-2")]
    public async Task A_topic_that_is_not_well_formed_UTF8_or_contains_U0000_is_malformed(MqttProtocolVersion version, byte[] topic, string rule)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.SendRawAsync(Qos0Publish(version, topic));
        var error = await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
        Assert.Equal(rule, error.Rule);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, "a/+/c")]
    [InlineData(MqttProtocolVersion.V500, "a/+/c")]
    [InlineData(MqttProtocolVersion.V311, "a/#")]
    [InlineData(MqttProtocolVersion.V500, "#")]
    public async Task A_wildcard_in_a_publish_topic_name_is_refused(MqttProtocolVersion version, string topic)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.SendRawAsync(Qos0Publish(version, System.Text.Encoding.UTF8.GetBytes(topic)));

        // 0x90 Topic Name invalid is the DISCONNECT reason code MQTT 5 defines for a topic name the receiver refuses.
        var error = await s.AssertProtocolViolationAsync(MqttReasonCode.TopicNameInvalid);
        Assert.Equal("MQTT-3.3.2-2", error.Rule);
    }

    [Fact]
    public async Task A_property_given_twice_is_a_protocol_error()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);
        byte[] expiry = [0x02, .. Wire.UInt32(60)];
        await s.SendRawAsync(Wire.Packet(0x30, Wire.String("t"), Wire.Properties(expiry, expiry), [1]));
        await s.AssertProtocolViolationAsync(MqttReasonCode.ProtocolError);
    }

    [Fact]
    public async Task An_unknown_property_identifier_is_malformed()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);
        await s.SendRawAsync(Wire.Packet(0x30, Wire.String("t"), Wire.Properties([0x7F, 0x00]), [1]));
        await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
    }

    [Fact]
    public async Task A_property_not_defined_for_the_packet_type_is_malformed()
    {
        // Receive Maximum (0x21) belongs in CONNECT/CONNACK, not PUBLISH.
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);
        await s.SendRawAsync(Wire.Packet(0x30, Wire.String("t"), Wire.Properties([0x21, .. Wire.UInt16(10)]), [1]));
        await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
    }

    [Fact]
    public async Task A_property_length_beyond_the_packet_is_malformed()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);
        await s.SendRawAsync(Wire.Packet(0x30, Wire.String("t"), [0x40, 0x02]));
        await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Packet_type_0_is_malformed(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.SendRawAsync([0x00, 0x00]);
        await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
    }

    [Fact]
    public async Task DUP_on_a_QoS_0_publish_is_malformed_under_MQTT_5()
    {
        // [MQTT-3.3.1-2], and MQTT 5 section 4.13 makes the receiver close for it. MQTT 3.1.1 only states the
        // sender's duty, so there the flag is ignored instead (ConformanceTests, docs/limits.md).
        const MqttProtocolVersion version = MqttProtocolVersion.V500;
        await using var s = await HostileSession.StartAsync(version);
        await s.SendRawAsync(Qos0Publish(version, "t"u8.ToArray(), first: 0x38));
        var error = await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
        Assert.Equal("MQTT-3.3.1-2", error.Rule);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, new byte[] { 0x20, 0x02, 0x02, 0x00 })]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0x20, 0x03, 0x02, 0x00, 0x00 })]
    [InlineData(MqttProtocolVersion.V500, new byte[] { 0x20, 0x03, 0x00, 0x00, 0x05 })]
    public async Task A_malformed_CONNACK_fails_the_connect_with_the_protocol_error(MqttProtocolVersion version, byte[] connAck)
    {
        // Reserved acknowledge flags set; a property length beyond the packet.
        await using var broker = new FakeBroker(version);
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptConnectAsync();
        var connecting = client.ConnectAsync();
        await accept;
        await broker.SendRawAsync(connAck);

        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => connecting.WaitAsync(Timeout));
        Assert.Equal(MqttReasonCode.MalformedPacket, error.ReasonCode);
        var sent = await broker.ReadUntilClosedAsync();
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttReasonCode.MalformedPacket, Assert.IsType<MqttDisconnectPacket>(Assert.Single(sent)).ReasonCode);
        }
        else
        {
            Assert.Empty(sent);
        }

        Assert.False(client.IsConnected);
    }
}
