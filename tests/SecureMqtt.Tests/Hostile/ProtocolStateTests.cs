using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests.Hostile;

/// <summary>
/// Well-formed packets that break the protocol's rules of state: wrong aliases, packets out of order, packets only
/// a client may send, answers that do not fit the question.
/// </summary>
public sealed class ProtocolStateTests : HostileTestBase
{
    private static byte[] AliasedPublish(string topic, ushort alias) =>
        Wire.Packet(0x30, Wire.String(topic), Wire.Properties([0x23, .. Wire.UInt16(alias)]), [1]);

    [Fact]
    public async Task Topic_alias_0_is_answered_with_DISCONNECT_0x94()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { TopicAliasMaximum = 5 });
        await s.SendRawAsync(AliasedPublish("t", 0));
        await s.AssertProtocolViolationAsync(MqttReasonCode.TopicAliasInvalid);
    }

    [Theory]
    [InlineData(5, 6)]
    [InlineData(0, 1)]
    public async Task A_topic_alias_above_the_maximum_we_announced_is_answered_with_DISCONNECT_0x94(ushort maximum, ushort alias)
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { TopicAliasMaximum = maximum });
        await s.SendRawAsync(AliasedPublish("t", alias));
        await s.AssertProtocolViolationAsync(MqttReasonCode.TopicAliasInvalid);
    }

    [Fact]
    public async Task A_topic_alias_that_was_never_defined_is_a_protocol_error()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { TopicAliasMaximum = 5 });
        await s.SendRawAsync(AliasedPublish("defined", 1));
        await s.SendRawAsync(AliasedPublish(string.Empty, 2));
        await s.AssertProtocolViolationAsync(MqttReasonCode.ProtocolError);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_second_CONNACK_is_a_protocol_error(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.Broker.SendAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success });
        var error = await s.AssertProtocolViolationAsync(MqttReasonCode.ProtocolError);
        Assert.Equal("MQTT-3.2.0-2", error.Rule);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_second_CONNACK_in_the_same_segment_as_the_first_is_a_protocol_error(MqttProtocolVersion version)
    {
        await using var broker = new FakeBroker(version);
        await using var client = new MqttClient(broker.ClientOptions);
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, e) => lost.TrySetResult(e);
        var accept = broker.AcceptConnectAsync();
        var connecting = client.ConnectAsync();
        await accept;
        var connAck = Wire.Encode(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success }, version);
        await broker.SendRawAsync((byte[])[.. connAck, .. connAck]);

        await connecting.WaitAsync(Timeout);
        var e = await lost.Task.WaitAsync(Timeout);
        Assert.Equal(MqttReasonCode.ProtocolError, Assert.IsType<MqttProtocolException>(e.Exception).ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttPacketType.Publish)]
    [InlineData(MqttProtocolVersion.V500, MqttPacketType.Publish)]
    [InlineData(MqttProtocolVersion.V311, MqttPacketType.PingResp)]
    [InlineData(MqttProtocolVersion.V500, MqttPacketType.SubAck)]
    public async Task A_packet_before_CONNACK_fails_the_connect_with_a_protocol_error(MqttProtocolVersion version, MqttPacketType type)
    {
        await using var broker = new FakeBroker(version);
        await using var client = new MqttClient(broker.ClientOptions);
        var raised = 0;
        client.ConnectionLost += (_, _) => Interlocked.Increment(ref raised);
        var accept = broker.AcceptConnectAsync();
        var connecting = client.ConnectAsync();
        await accept;
        MqttPacket early = type switch
        {
            MqttPacketType.Publish => new MqttPublishPacket { Topic = "early", Payload = new byte[] { 1 } },
            MqttPacketType.PingResp => MqttPingRespPacket.Instance,
            _ => new MqttSubAckPacket { PacketId = 1, ReasonCodes = [MqttReasonCode.GrantedQoS0] },
        };
        await broker.SendRawAsync((byte[])[.. Wire.Encode(early, version), .. Wire.Encode(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success }, version)]);

        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => connecting.WaitAsync(Timeout));
        Assert.Equal(MqttReasonCode.ProtocolError, error.ReasonCode);
        Assert.Contains(type.ToString(), error.Message, StringComparison.OrdinalIgnoreCase);

        // MQTT 5: DISCONNECT 0x82 says why (a client may send it before CONNACK); 3.1.1 just closes.
        var sent = await broker.ReadUntilClosedAsync();
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttReasonCode.ProtocolError, Assert.IsType<MqttDisconnectPacket>(Assert.Single(sent)).ReasonCode);
        }
        else
        {
            Assert.Empty(sent);
        }

        Assert.False(client.IsConnected);
        Assert.Equal(0, raised);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_SUBACK_with_more_reason_codes_than_filters_fails_the_subscribe_and_the_connection(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        var subscribe = Assert.Single(s.Broker.Received.OfType<MqttSubscribePacket>());
        await s.Broker.SendAsync(new MqttSubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = [MqttReasonCode.GrantedQoS1, MqttReasonCode.GrantedQoS0] });

        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => s.PendingSubscribe!.WaitAsync(Timeout));
        Assert.Equal(MqttReasonCode.ProtocolError, error.ReasonCode);
        Assert.Equal("MQTT-3.9.3-1", error.Rule);
        await AssertViolationWithoutPendingSubscribeAsync(s, MqttReasonCode.ProtocolError);
    }

    [Fact]
    public async Task A_SUBACK_with_fewer_reason_codes_than_filters_fails_the_subscribe_and_the_connection()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, pending: false);
        var subscribing = s.Client.SubscribeAsync([new MqttSubscription("a", MqttQualityOfService.AtMostOnce), new MqttSubscription("b", MqttQualityOfService.AtMostOnce)]);
        var subscribe = await s.Broker.ReadAsync<MqttSubscribePacket>();
        await s.Broker.SendAsync(new MqttSubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = [MqttReasonCode.GrantedQoS0] });

        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => subscribing.WaitAsync(Timeout));
        Assert.Equal(MqttReasonCode.ProtocolError, error.ReasonCode);
        await s.AssertProtocolViolationAsync(MqttReasonCode.ProtocolError);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_UNSUBACK_answering_a_SUBSCRIBE_is_a_protocol_error(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        var subscribe = Assert.Single(s.Broker.Received.OfType<MqttSubscribePacket>());
        await s.Broker.SendAsync(new MqttUnsubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = version == MqttProtocolVersion.V500 ? [MqttReasonCode.Success] : [] });

        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => s.PendingSubscribe!.WaitAsync(Timeout));
        Assert.Equal(MqttReasonCode.ProtocolError, error.ReasonCode);
        await AssertViolationWithoutPendingSubscribeAsync(s, MqttReasonCode.ProtocolError);
    }

    public static TheoryData<MqttProtocolVersion, MqttPacketType> ClientOnlyPackets()
    {
        var data = new TheoryData<MqttProtocolVersion, MqttPacketType>();
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            foreach (var type in new[] { MqttPacketType.Connect, MqttPacketType.Subscribe, MqttPacketType.Unsubscribe, MqttPacketType.PingReq })
            {
                data.Add(version, type);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ClientOnlyPackets))]
    public async Task A_packet_only_a_client_may_send_is_a_protocol_error(MqttProtocolVersion version, MqttPacketType type)
    {
        await using var s = await HostileSession.StartAsync(version);
        MqttPacket packet = type switch
        {
            MqttPacketType.Connect => new MqttConnectPacket { ProtocolVersion = version, ClientId = "evil", CleanStart = true },
            MqttPacketType.Subscribe => new MqttSubscribePacket { PacketId = 9, Subscriptions = [new MqttSubscription("x", MqttQualityOfService.AtMostOnce)] },
            MqttPacketType.Unsubscribe => new MqttUnsubscribePacket { PacketId = 9, TopicFilters = ["x"] },
            _ => MqttPingReqPacket.Instance,
        };
        await s.SendRawAsync(Wire.Encode(packet, version));
        var error = await s.AssertProtocolViolationAsync(MqttReasonCode.ProtocolError);
        Assert.Contains(type.ToString(), error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AUTH_without_an_authentication_method_is_a_protocol_error()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);
        await s.SendRawAsync([0xF0, 0x00]);
        await s.AssertProtocolViolationAsync(MqttReasonCode.ProtocolError);
    }

    [Fact]
    public async Task Packet_type_15_is_malformed_under_MQTT_311_where_it_is_reserved()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V311);
        await s.SendRawAsync([0xF0, 0x00]);
        await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
    }

    [Fact]
    public async Task More_unreleased_QoS_2_messages_than_our_receive_maximum_is_answered_with_DISCONNECT_0x93()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { ReceiveMaximum = 2 });
        for (ushort id = 1; id <= 3; id++)
        {
            await s.Broker.SendAsync(new MqttPublishPacket { Topic = "q2", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = id, Payload = new byte[] { 1 } });
        }

        await s.AssertProtocolViolationAsync(MqttReasonCode.ReceiveMaximumExceeded);
    }

    [Fact]
    public async Task Under_MQTT_311_the_receive_maximum_is_not_enforced_because_it_was_never_announced()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V311, o => o with { ReceiveMaximum = 2 }, pending: false);
        for (ushort id = 1; id <= 3; id++)
        {
            await s.Broker.SendAsync(new MqttPublishPacket { Topic = "q2", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = id, Payload = new byte[] { 1 } });
            var pubRec = (await s.Broker.ReadAsync<MqttAckPacket>()).Ack;
            Assert.Equal((MqttPacketType.PubRec, id), (pubRec.Type, pubRec.PacketId));
        }

        Assert.True(s.Client.IsConnected);
    }

    /// <summary>The subscribe that got the bad answer already failed with the violation itself; everything else is as usual.</summary>
    private static async Task AssertViolationWithoutPendingSubscribeAsync(HostileSession s, MqttReasonCode reasonCode)
    {
        var sent = await s.Broker.ReadUntilClosedAsync();
        if (s.Version == MqttProtocolVersion.V500)
        {
            Assert.Equal(reasonCode, Assert.IsType<MqttDisconnectPacket>(sent[^1]).ReasonCode);
        }
        else
        {
            Assert.DoesNotContain(sent, p => p is MqttDisconnectPacket);
        }

        var lost = await s.Lost.Task.WaitAsync(Timeout);
        Assert.Equal(reasonCode, Assert.IsType<MqttProtocolException>(lost.Exception).ReasonCode);
        var publishError = await Assert.ThrowsAsync<MqttConnectionLostException>(() => s.PendingPublish!.WaitAsync(Timeout));
        Assert.IsType<MqttProtocolException>(publishError.InnerException);
    }
}
