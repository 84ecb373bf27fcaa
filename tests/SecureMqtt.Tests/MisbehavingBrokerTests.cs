using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

public class MisbehavingBrokerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static async Task<(FakeBroker Broker, MqttClient Client, TaskCompletionSource<MqttConnectionLostEventArgs> Lost)> ConnectAsync(
        Func<MqttClientOptions, MqttClientOptions>? configure = null, MqttConnAckPacket? connAck = null)
    {
        var broker = new FakeBroker();
        var client = new MqttClient(configure is null ? broker.ClientOptions : configure(broker.ClientOptions));
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, e) => lost.TrySetResult(e);
        var accept = broker.AcceptAsync(connAck);
        await client.ConnectAsync();
        await accept;
        return (broker, client, lost);
    }

    [Fact]
    public async Task A_topic_alias_above_our_maximum_is_answered_with_DISCONNECT_0x94_and_reported()
    {
        var (broker, client, lost) = await ConnectAsync(o => o with { TopicAliasMaximum = 5 });
        await using var _ = broker;
        await using var __ = client;
        await broker.SendAsync(new MqttPublishPacket { Topic = "t", TopicAlias = 9, Payload = new byte[] { 1 } });

        var disconnect = await broker.ReadAsync<MqttDisconnectPacket>();
        Assert.Equal(MqttReasonCode.TopicAliasInvalid, disconnect.ReasonCode);
        var e = await lost.Task.WaitAsync(Timeout);
        Assert.Equal(MqttReasonCode.TopicAliasInvalid, Assert.IsType<MqttProtocolException>(e.Exception).ReasonCode);
    }

    [Fact]
    public async Task Inbound_topic_aliases_are_mapped_to_topics()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { TopicAliasMaximum = 4 });
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        Assert.Equal((ushort)4, (await accept).TopicAliasMaximum);

        await broker.SendAsync(new MqttPublishPacket { Topic = "sensors/1", TopicAlias = 2, Payload = new byte[] { 1 } });
        await broker.SendAsync(new MqttPublishPacket { Topic = string.Empty, TopicAlias = 2, Payload = new byte[] { 2 } });
        var messages = new List<MqttMessage>();
        await foreach (var m in client.ReadMessagesAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            messages.Add(m);
            if (messages.Count == 2)
            {
                break;
            }
        }

        Assert.All(messages, m => Assert.Equal("sensors/1", m.Topic));
        Assert.Equal([1, 2], messages.Select(m => (int)m.Payload.Span[0]));
    }

    [Fact]
    public async Task A_broker_DISCONNECT_reaches_the_application_with_its_reason_code()
    {
        var (broker, client, lost) = await ConnectAsync();
        await using var _ = broker;
        await using var __ = client;
        await broker.SendAsync(new MqttDisconnectPacket { ReasonCode = MqttReasonCode.ServerShuttingDown, ReasonString = "maintenance" });

        var e = await lost.Task.WaitAsync(Timeout);
        Assert.Equal(MqttReasonCode.ServerShuttingDown, e.DisconnectReasonCode);
        Assert.Contains("maintenance", e.Exception.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => client.PublishAsync("t", new byte[] { 1 }).AsTask());
    }

    [Fact]
    public async Task Incoming_QoS2_duplicates_are_acknowledged_but_delivered_once()
    {
        var (broker, client, _) = await ConnectAsync();
        await using var b = broker;
        await using var c = client;
        var publish = new MqttPublishPacket { Topic = "q2", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 7, Payload = new byte[] { 42 } };
        await broker.SendAsync(publish);
        Assert.Equal(7, (await broker.ReadAsync<MqttAckPacket>()).Ack.PacketId);
        publish.Duplicate = true;
        await broker.SendAsync(publish);
        var second = (await broker.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubRec, (ushort)7), (second.Type, second.PacketId));

        await broker.SendAckAsync(MqttPacketType.PubRel, 7);
        var comp = (await broker.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubComp, (ushort)7, MqttReasonCode.Success), (comp.Type, comp.PacketId, comp.ReasonCode));

        // Exactly one message reached the application; the next one proves nothing else is queued before it.
        await broker.SendAsync(new MqttPublishPacket { Topic = "end", Payload = new byte[] { 0 } });
        var received = new List<string>();
        await foreach (var m in client.ReadMessagesAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            received.Add(m.Topic);
            if (m.Topic == "end")
            {
                break;
            }
        }

        Assert.Equal(["q2", "end"], received);
    }

    [Fact]
    public async Task No_more_QoS1_publishes_are_in_flight_than_the_broker_receive_maximum()
    {
        var (broker, client, _) = await ConnectAsync(connAck: new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, ReceiveMaximum = 2 });
        await using var b = broker;
        await using var c = client;
        var publishes = Enumerable.Range(0, 6).Select(i => client.PublishAsync($"t/{i}", new byte[] { (byte)i }, MqttQualityOfService.AtLeastOnce).AsTask()).ToList();

        var seen = new List<MqttPublishPacket>();
        seen.Add(await broker.ReadAsync<MqttPublishPacket>());
        seen.Add(await broker.ReadAsync<MqttPublishPacket>());

        // A third PUBLISH must not arrive before an acknowledgement frees a slot.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => broker.ReadPacketAsync(TimeSpan.FromMilliseconds(300)));
        Assert.All(publishes, p => Assert.False(p.IsCompleted));

        for (var i = 0; i < 6; i++)
        {
            await broker.SendAckAsync(MqttPacketType.PubAck, seen[i].PacketId);
            if (seen.Count < 6)
            {
                seen.Add(await broker.ReadAsync<MqttPublishPacket>());
            }
        }

        var results = await Task.WhenAll(publishes).WaitAsync(Timeout);
        Assert.All(results, r => Assert.Equal(MqttReasonCode.Success, r.ReasonCode));
        Assert.Equal(6, seen.Select(p => p.Topic).Distinct().Count());
    }

    [Fact]
    public async Task A_publish_larger_than_the_broker_maximum_packet_size_fails_before_sending()
    {
        var (broker, client, _) = await ConnectAsync(connAck: new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, MaximumPacketSize = 200 });
        await using var b = broker;
        await using var c = client;
        var error = await Assert.ThrowsAsync<MqttProtocolException>(() => client.PublishAsync("big", new byte[500], MqttQualityOfService.AtLeastOnce).AsTask());
        Assert.Equal(MqttReasonCode.PacketTooLarge, error.ReasonCode);
        Assert.Contains("200", error.Message, StringComparison.Ordinal);

        // The connection is still usable and the refused message never went out.
        var small = client.PublishAsync("small", new byte[10], MqttQualityOfService.AtLeastOnce).AsTask();
        var sent = await broker.ReadAsync<MqttPublishPacket>();
        Assert.Equal("small", sent.Topic);
        await broker.SendAckAsync(MqttPacketType.PubAck, sent.PacketId);
        Assert.True((await small.WaitAsync(Timeout)).IsSuccess);
    }

    [Fact]
    public async Task A_refusing_CONNACK_throws_connection_refused_with_the_reason_code()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.BadUserNameOrPassword });
        var error = await Assert.ThrowsAsync<MqttConnectionRefusedException>(() => client.ConnectAsync());
        await accept;
        Assert.Equal(MqttReasonCode.BadUserNameOrPassword, error.ReasonCode);
        Assert.False(error.IsTransient);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Password_is_sent_in_CONNECT_but_never_appears_in_the_options_text()
    {
        await using var broker = new FakeBroker();
        var options = broker.ClientOptions with { Credentials = new MqttCredentials("user", "s3cret-pw") };
        await using var client = new MqttClient(options);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        var connect = await accept;
        Assert.Equal("user", connect.Username);
        Assert.Equal("s3cret-pw"u8.ToArray(), connect.Password!.Value.ToArray());
        Assert.DoesNotContain("s3cret-pw", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_packet_above_our_maximum_packet_size_is_answered_with_DISCONNECT_0x95()
    {
        var (broker, client, lost) = await ConnectAsync(o => o with { MaximumPacketSize = 1024 });
        await using var b = broker;
        await using var c = client;
        await broker.SendAsync(new MqttPublishPacket { Topic = "big", Payload = new byte[5000] });

        Assert.Equal(MqttReasonCode.PacketTooLarge, (await broker.ReadAsync<MqttDisconnectPacket>()).ReasonCode);
        Assert.Equal(MqttReasonCode.PacketTooLarge, Assert.IsType<MqttProtocolException>((await lost.Task.WaitAsync(Timeout)).Exception).ReasonCode);
    }

    [Fact]
    public async Task With_drop_oldest_a_full_incoming_channel_drops_old_messages_and_keeps_the_newest()
    {
        var (broker, client, _) = await ConnectAsync(o => o with { IncomingMessageChannelCapacity = 1, IncomingMessageFullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest });
        await using var b = broker;
        await using var c = client;
        var before = client.BytesReceived;
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        for (var i = 0; i < 20; i++)
        {
            MqttPacketWriter.Write(writer, new MqttPublishPacket { Topic = i == 19 ? "end" : $"m/{i}", Payload = new byte[] { (byte)i } }, MqttProtocolVersion.V500);
        }

        await broker.SendRawAsync(writer.WrittenMemory);
        Assert.True(SpinWait.SpinUntil(() => client.BytesReceived - before >= writer.WrittenCount, Timeout));

        var received = new List<string>();
        await foreach (var m in client.ReadMessagesAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            received.Add(m.Topic);
            if (m.Topic == "end")
            {
                break;
            }
        }

        Assert.Equal("end", received[^1]);
        Assert.True(received.Count < 20, $"some messages should have been dropped, got {received.Count}");
    }

    [Fact]
    public async Task Disposing_the_client_ends_the_message_enumeration()
    {
        var (broker, client, _) = await ConnectAsync();
        await using var b = broker;
        var reading = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var m in client.ReadMessagesAsync())
            {
                count++;
            }

            return count;
        });

        await client.DisposeAsync();
        Assert.Equal(0, await reading.WaitAsync(Timeout));
        Assert.IsType<MqttDisconnectPacket>(await broker.ReadPacketAsync());
    }
}
