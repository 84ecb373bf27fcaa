using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests.Hostile;

/// <summary>
/// Packets a broker may legitimately send, however unusual: the client keeps the connection up and handles them
/// as the specification says. Every test ends by answering the pending publish and subscribe.
/// </summary>
public sealed class NotStricterThanSpecTests : HostileTestBase
{
    [Fact]
    public async Task Unknown_and_repeated_user_properties_are_delivered_and_the_connection_stays_up()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);
        MqttUserProperty[] properties = [new("x-vendor", "1"), new("x-vendor", "2"), new(string.Empty, string.Empty)];
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "t", Payload = new byte[] { 1 }, UserProperties = properties });

        var message = Assert.Single(await s.ReceiveAsync(1));
        Assert.Equal(properties, message.UserProperties);
        await s.AssertStillUpAsync();
    }

    [Fact]
    public async Task Properties_in_any_order_are_accepted()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);

        // The reverse of the order our encoder uses: user property, correlation data, response topic, content type,
        // message expiry, payload format indicator.
        var properties = Wire.Properties(
            [0x26, .. Wire.String("k"), .. Wire.String("v")],
            [0x09, .. Wire.String(new byte[] { 7, 7 })],
            [0x08, .. Wire.String("reply/here")],
            [0x03, .. Wire.String("text/plain")],
            [0x02, .. Wire.UInt32(30)],
            [0x01, 0x01]);
        await s.SendRawAsync(Wire.Packet(0x30, Wire.String("ordered"), properties, "hi"u8.ToArray()));

        var m = Assert.Single(await s.ReceiveAsync(1));
        Assert.Equal(("ordered", "text/plain", "reply/here", TimeSpan.FromSeconds(30), MqttPayloadFormatIndicator.Utf8),
            (m.Topic, m.ContentType, m.ResponseTopic, m.MessageExpiry!.Value, m.PayloadFormat!.Value));
        Assert.Equal([7, 7], m.CorrelationData!.Value.ToArray());
        Assert.Equal([new MqttUserProperty("k", "v")], m.UserProperties);
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Zero_length_payloads_are_delivered_at_every_QoS(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "empty/0", Payload = ReadOnlyMemory<byte>.Empty });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "empty/1", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 10, Payload = ReadOnlyMemory<byte>.Empty });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "empty/2", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 11, Payload = ReadOnlyMemory<byte>.Empty });

        var messages = await s.ReceiveAsync(3);
        Assert.Equal(["empty/0", "empty/1", "empty/2"], messages.Select(m => m.Topic));
        Assert.All(messages, m => Assert.True(m.Payload.IsEmpty));
        // PUBACKs keep the order of QoS 1 PUBLISHes and PUBRECs that of QoS 2 ones [MQTT-4.6.0-2, 4.6.0-3], but not of
        // each other: the PUBACK waits for the handler (AcknowledgeAfterHandlers), the PUBREC does not.
        var acks = new[] { Ack(await s.Broker.ReadAsync<MqttAckPacket>()), Ack(await s.Broker.ReadAsync<MqttAckPacket>()) };
        Assert.Equal([(MqttPacketType.PubAck, (ushort)10), (MqttPacketType.PubRec, (ushort)11)], acks.Order());
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, true)]
    [InlineData(MqttProtocolVersion.V500, true)]
    [InlineData(MqttProtocolVersion.V311, false)]
    [InlineData(MqttProtocolVersion.V500, false)]
    public async Task PUBACKs_and_PUBRECs_keep_the_order_of_arrival_and_wait_for_the_handlers_unless_told_not_to(MqttProtocolVersion version, bool afterHandlers)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var s = await HostileSession.StartAsync(version, o => o with { AcknowledgeAfterHandlers = afterHandlers });
        s.Client.MessageHandler = async (message, _) =>
        {
            if (message.Topic == "slow")
            {
                await gate.Task;
            }
        };

        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "slow", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 1, Payload = new byte[] { 1 } });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "quick", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 2, Payload = new byte[] { 2 } });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "quick", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 3, Payload = new byte[] { 3 } });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "quick", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 4, Payload = new byte[] { 4 } });

        // A PUBREL for an id the client does not hold is answered by the read loop at once, through the same
        // first-in-first-out output buffer: acknowledgements written on arrival would come before its PUBCOMP.
        await s.Broker.SendAckAsync(MqttPacketType.PubRel, 9);
        (MqttPacketType, ushort)[] acks = [(MqttPacketType.PubAck, 1), (MqttPacketType.PubAck, 2), (MqttPacketType.PubRec, 3), (MqttPacketType.PubAck, 4)];
        (MqttPacketType, ushort)[] pubComp = [(MqttPacketType.PubComp, 9)];
        if (afterHandlers)
        {
            Assert.Equal(pubComp, await ReadAcksAsync(s, 1));
            gate.SetResult();
            Assert.Equal(acks, await ReadAcksAsync(s, 4));
        }
        else
        {
            (MqttPacketType, ushort)[] all = [.. acks, .. pubComp];
            Assert.Equal(all, await ReadAcksAsync(s, 5));
            gate.SetResult();
        }

        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_ReadMessagesAsync_reader_is_done_with_a_message_when_it_asks_for_the_next_or_stops_and_acknowledgements_keep_arrival_order(
        MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        var reader = s.Client.ReadMessagesAsync().GetAsyncEnumerator();
        try
        {
            var first = reader.MoveNextAsync();
            await s.Broker.SendAsync(new MqttPublishPacket { Topic = "read/1", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 1, Payload = new byte[] { 1 } });
            await s.Broker.SendAsync(new MqttPublishPacket { Topic = "read/2", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 2, Payload = new byte[] { 2 } });
            Assert.True(await first.AsTask().WaitAsync(Timeout));
            Assert.Equal("read/1", reader.Current.Topic);

            // The reader holds message 1: the PUBCOMP the read loop writes for this stray PUBREL comes first, and neither
            // acknowledgement is written before it (message 2's PUBREC waits behind message 1's PUBACK).
            await s.Broker.SendAckAsync(MqttPacketType.PubRel, 9);
            Assert.Equal([(MqttPacketType.PubComp, (ushort)9)], await ReadAcksAsync(s, 1));

            // Asking for the next: done with message 1.
            Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Timeout));
            Assert.Equal("read/2", reader.Current.Topic);
            Assert.Equal([(MqttPacketType.PubAck, (ushort)1)], await ReadAcksAsync(s, 1));
        }
        finally
        {
            // Stopping (break): done with message 2.
            await reader.DisposeAsync();
        }

        Assert.Equal([(MqttPacketType.PubRec, (ushort)2)], await ReadAcksAsync(s, 1));

        // With no reader there, a message is acknowledged once queued for the next one, as before readers.
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "read/3", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 3, Payload = new byte[] { 3 } });
        Assert.Equal([(MqttPacketType.PubAck, (ushort)3)], await ReadAcksAsync(s, 1));
        Assert.Equal("read/3", Assert.Single(await s.ReceiveAsync(1)).Topic);
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.ExactlyOnce)]
    public async Task A_message_a_reader_is_done_with_is_acknowledged_before_a_DisconnectAsync_that_follows_at_once(MqttProtocolVersion version, MqttQualityOfService qos)
    {
        await using var s = await HostileSession.StartAsync(version, pending: false);
        await using (var reader = s.Client.ReadMessagesAsync().GetAsyncEnumerator())
        {
            var first = reader.MoveNextAsync();
            await s.Broker.SendAsync(new MqttPublishPacket { Topic = "read/last", QualityOfService = qos, PacketId = 5, Payload = new byte[] { 5 } });
            Assert.True(await first.AsTask().WaitAsync(Timeout));
        }

        await s.Client.DisconnectAsync().WaitAsync(Timeout);

        var sent = await s.Broker.ReadUntilClosedAsync();
        Assert.Equal([(qos == MqttQualityOfService.AtLeastOnce ? MqttPacketType.PubAck : MqttPacketType.PubRec, (ushort)5)], sent.OfType<MqttAckPacket>().Select(Ack));
        Assert.IsType<MqttDisconnectPacket>(sent[^1]);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task DisconnectAsync_lets_a_running_handler_finish_so_its_message_is_acknowledged_and_acknowledges_none_taken_after(MqttProtocolVersion version)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inHandler = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var s = await HostileSession.StartAsync(version, pending: false);
        s.Client.MessageHandler = async (message, _) =>
        {
            if (message.Topic == "slow")
            {
                inHandler.TrySetResult();
                await gate.Task;
            }
        };

        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "slow", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 1, Payload = new byte[] { 1 } });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "queued", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 2, Payload = new byte[] { 2 } });
        await inHandler.Task.WaitAsync(Timeout);

        // The application leaves while the handler works (a host shutting down): DISCONNECT waits for that handler.
        var leaving = s.Client.DisconnectAsync();
        try
        {
            await Task.Delay(100);
            Assert.False(leaving.IsCompleted, "DisconnectAsync waits for the handler that is running");
        }
        finally
        {
            // Also on failure: a handler that never returns would keep the client's disposal waiting.
            gate.TrySetResult();
        }

        await leaving.WaitAsync(Timeout);

        // The message in the handler is acknowledged before DISCONNECT; the one queued behind it, taken after the
        // application decided to go, is not: a broker that keeps the session sends it again.
        var sent = await s.Broker.ReadUntilClosedAsync();
        var acks = sent.OfType<MqttAckPacket>().Select(Ack).ToArray();
        Assert.Equal([(MqttPacketType.PubAck, (ushort)1)], acks);
        Assert.IsType<MqttDisconnectPacket>(sent[^1]);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_topic_of_the_maximum_length_of_65535_bytes_is_delivered(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);

        // Multi-byte characters too: the limit is in UTF-8 bytes, 21845 three-byte characters.
        var ascii = new string('a', 65535);
        var wide = new string('\u20AC', 21845);
        Assert.Equal(65535, Encoding.UTF8.GetByteCount(wide));
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = ascii, Payload = new byte[] { 1 } });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = wide, QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 3, Payload = new byte[] { 2 } });

        var messages = await s.ReceiveAsync(2);
        Assert.Equal([ascii, wide], messages.Select(m => m.Topic));
        Assert.Equal((MqttPacketType.PubAck, (ushort)3), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Packet_identifier_65535_is_acknowledged_like_any_other(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "q1", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 65535, Payload = new byte[] { 1 } });
        Assert.Equal((MqttPacketType.PubAck, (ushort)65535), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "q2", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 65535, Payload = new byte[] { 2 } });
        Assert.Equal((MqttPacketType.PubRec, (ushort)65535), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));
        await s.Broker.SendAckAsync(MqttPacketType.PubRel, 65535);
        var pubComp = (await s.Broker.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubComp, (ushort)65535, MqttReasonCode.Success), (pubComp.Type, pubComp.PacketId, pubComp.ReasonCode));

        Assert.Equal(["q1", "q2"], (await s.ReceiveAsync(2)).Select(m => m.Topic));
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_retained_flag_on_a_live_delivery_is_passed_to_the_application(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "live", Retain = true, Payload = new byte[] { 1 } });
        Assert.True(Assert.Single(await s.ReceiveAsync(1)).Retain);
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_QoS_1_duplicate_with_DUP_set_is_acknowledged_again_and_may_be_delivered_again(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        var publish = new MqttPublishPacket { Topic = "q1", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 4, Payload = new byte[] { 1 } };
        await s.Broker.SendAsync(publish);
        Assert.Equal((MqttPacketType.PubAck, (ushort)4), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));
        publish.Duplicate = true;
        await s.Broker.SendAsync(publish);
        Assert.Equal((MqttPacketType.PubAck, (ushort)4), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));

        var messages = await s.ReceiveAsync(2);
        Assert.Equal([false, true], messages.Select(m => m.Duplicate));
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_QoS_2_duplicate_with_DUP_set_gets_PUBREC_again_but_is_delivered_once(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        var publish = new MqttPublishPacket { Topic = "q2", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 8, Payload = new byte[] { 1 } };
        await s.Broker.SendAsync(publish);
        Assert.Equal((MqttPacketType.PubRec, (ushort)8), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));
        publish.Duplicate = true;
        await s.Broker.SendAsync(publish);
        Assert.Equal((MqttPacketType.PubRec, (ushort)8), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));

        // A PUBREL for the id still held releases it: PUBCOMP with success.
        await s.Broker.SendAckAsync(MqttPacketType.PubRel, 8);
        var pubComp = (await s.Broker.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubComp, (ushort)8, MqttReasonCode.Success), (pubComp.Type, pubComp.PacketId, pubComp.ReasonCode));

        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "end", Payload = new byte[] { 0 } });
        Assert.Equal(["q2", "end"], (await s.ReceiveAsync(2)).Select(m => m.Topic));
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_PUBREL_repeated_after_PUBCOMP_is_answered_again(MqttProtocolVersion version)
    {
        // The broker may resend PUBREL when our PUBCOMP was lost: answering it must not break anything. MQTT 5 says
        // the id is not found (0x92); 3.1.1 has no reason code and just gets PUBCOMP.
        await using var s = await HostileSession.StartAsync(version);
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "q2", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 9, Payload = new byte[] { 1 } });
        Assert.Equal((MqttPacketType.PubRec, (ushort)9), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));
        await s.Broker.SendAckAsync(MqttPacketType.PubRel, 9);
        Assert.Equal(MqttReasonCode.Success, (await s.Broker.ReadAsync<MqttAckPacket>()).Ack.ReasonCode);
        await s.Broker.SendAckAsync(MqttPacketType.PubRel, 9);

        var again = (await s.Broker.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubComp, (ushort)9), (again.Type, again.PacketId));
        Assert.Equal(version == MqttProtocolVersion.V500 ? MqttReasonCode.PacketIdentifierNotFound : MqttReasonCode.Success, again.ReasonCode);
        Assert.Single(await s.ReceiveAsync(1));
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Acknowledgements_for_unknown_packet_identifiers_are_tolerated(MqttProtocolVersion version)
    {
        // After a resumed session or a retransmission a broker can acknowledge an id twice; none of PUBACK, PUBREC
        // or PUBCOMP for an id not in flight is a protocol error. PUBREC gets PUBREL 0x92 (Packet Identifier not
        // found) in MQTT 5 [3.6.2.1], plain PUBREL in 3.1.1; PUBACK and PUBCOMP are ignored.
        await using var s = await HostileSession.StartAsync(version);
        await s.Broker.SendAckAsync(MqttPacketType.PubAck, 4000);
        await s.Broker.SendAckAsync(MqttPacketType.PubComp, 4001);
        await s.Broker.SendAckAsync(MqttPacketType.PubRec, 4002);

        var pubRel = (await s.Broker.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubRel, (ushort)4002), (pubRel.Type, pubRel.PacketId));
        Assert.Equal(version == MqttProtocolVersion.V500 ? MqttReasonCode.PacketIdentifierNotFound : MqttReasonCode.Success, pubRel.ReasonCode);
        Assert.False(s.PendingPublish!.IsCompleted);
        await s.AssertStillUpAsync();
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_publish_right_behind_CONNACK_in_the_same_segment_is_delivered(MqttProtocolVersion version)
    {
        await using var broker = new FakeBroker(version);
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptConnectAsync();
        var connecting = client.ConnectAsync();
        await accept;
        await broker.SendRawAsync((byte[])
        [
            .. Wire.Encode(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, SessionPresent = false }, version),
            .. Wire.Encode(new MqttPublishPacket { Topic = "first", Payload = new byte[] { 1 } }, version),
        ]);
        await connecting.WaitAsync(Timeout);

        using var timeout = new CancellationTokenSource(Timeout);
        await foreach (var m in client.ReadMessagesAsync(timeout.Token))
        {
            Assert.Equal("first", m.Topic);
            break;
        }

        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Acknowledgements_with_reason_strings_and_user_properties_complete_the_calls()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, pending: false);
        var publishing = s.Client.PublishAsync("p", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask();
        var id = (await s.Broker.ReadAsync<MqttPublishPacket>()).PacketId;
        await s.Broker.SendAsync(new MqttAckPacket(new MqttAck(MqttPacketType.PubAck, id, MqttReasonCode.NoMatchingSubscribers)
        {
            ReasonString = "nobody listens",
            UserProperties = [new("x", "y")],
        }));

        var result = await publishing.WaitAsync(Timeout);
        Assert.Equal((MqttReasonCode.NoMatchingSubscribers, "nobody listens"), (result.ReasonCode, result.ReasonString));
        Assert.True(s.Client.IsConnected);
    }

    private static async Task<(MqttPacketType, ushort)[]> ReadAcksAsync(HostileSession s, int count)
    {
        var acks = new (MqttPacketType, ushort)[count];
        for (var i = 0; i < count; i++)
        {
            acks[i] = Ack(await s.Broker.ReadAsync<MqttAckPacket>());
        }

        return acks;
    }

    private static (MqttPacketType, ushort) Ack(MqttAckPacket packet) => (packet.Ack.Type, packet.Ack.PacketId);
}
