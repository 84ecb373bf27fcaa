using System.Threading.Channels;
using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Tests.Hostile;

/// <summary>The limits on what a broker may make the client hold: topic length and queued bytes.</summary>
public sealed class LimitTests : HostileTestBase
{
    [Fact]
    public async Task A_topic_above_MaximumTopicLength_is_refused_with_0x90_and_the_connection_stays_up()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { MaximumTopicLength = 100 });
        var longTopic = new string('x', 101);
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = longTopic, Payload = new byte[] { 0 } });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = longTopic, QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 1, Payload = new byte[] { 1 } });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = longTopic, QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 2, Payload = new byte[] { 2 } });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = new string('y', 100), Payload = new byte[] { 3 } });

        var pubAck = (await s.Broker.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubAck, (ushort)1, MqttReasonCode.TopicNameInvalid), (pubAck.Type, pubAck.PacketId, pubAck.ReasonCode));
        var pubRec = (await s.Broker.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubRec, (ushort)2, MqttReasonCode.TopicNameInvalid), (pubRec.Type, pubRec.PacketId, pubRec.ReasonCode));

        // Only the message within the limit reached the application.
        Assert.Equal(3, Assert.Single(await s.ReceiveAsync(1)).Payload.Span[0]);
        await s.AssertStillUpAsync();
    }

    [Fact]
    public async Task Under_MQTT_311_a_refused_long_topic_is_still_acknowledged_through_the_whole_QoS_2_flow()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V311, o => o with { MaximumTopicLength = 10 });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "much/too/long/topic", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 1, Payload = new byte[] { 1 } });
        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "much/too/long/topic", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 2, Payload = new byte[] { 2 } });
        Assert.Equal((MqttPacketType.PubAck, (ushort)1), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));
        Assert.Equal((MqttPacketType.PubRec, (ushort)2), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));
        await s.Broker.SendAckAsync(MqttPacketType.PubRel, 2);
        Assert.Equal((MqttPacketType.PubComp, (ushort)2), Ack(await s.Broker.ReadAsync<MqttAckPacket>()));

        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "short", Payload = new byte[] { 3 } });
        Assert.Equal("short", Assert.Single(await s.ReceiveAsync(1)).Topic);
        await s.AssertStillUpAsync();
    }

    [Fact]
    public async Task In_a_drop_mode_messages_over_the_byte_bound_are_dropped_without_blocking_the_read_loop()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500,
            o => o with { IncomingMessageBufferSize = 64 * 1024, IncomingMessageFullMode = BoundedChannelFullMode.DropWrite }, pending: false);
        for (var i = 0; i < 20; i++)
        {
            await s.Broker.SendAsync(new MqttPublishPacket { Topic = "big", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = (ushort)(i + 1), Payload = new byte[16 * 1024] });
        }

        // All twenty were acknowledged although nobody read: the read loop never waited.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal((ushort)(i + 1), (await s.Broker.ReadAsync<MqttAckPacket>()).Ack.PacketId);
        }

        Assert.InRange(s.Client.QueuedIncomingBytes, 1, 64 * 1024);
        var kept = await s.ReceiveAsync(3);
        Assert.Equal(3, kept.Count);
        Assert.Equal(0, s.Client.QueuedIncomingBytes);
    }

    [Fact]
    public async Task Messages_taken_by_a_handler_release_their_bytes()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { IncomingMessageBufferSize = 4096 }, pending: false);
        var handled = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s.Client.MessageHandler = (_, _) =>
        {
            if (Interlocked.Increment(ref handled) == 50)
            {
                all.TrySetResult();
            }

            return ValueTask.CompletedTask;
        };
        for (var i = 0; i < 50; i++)
        {
            await s.Broker.SendAsync(new MqttPublishPacket { Topic = "h", Payload = new byte[3000] });
        }

        await all.Task.WaitAsync(Timeout);
        Assert.Equal(0, s.Client.QueuedIncomingBytes);
    }

    [Fact]
    public async Task The_byte_budget_lets_one_oversized_message_through_when_nothing_else_waits()
    {
        var budget = new IncomingByteBudget(100);
        Assert.True(budget.TryAcquire(1000));
        Assert.False(budget.TryAcquire(1));
        var waiting = budget.AcquireAsync(50, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        budget.Release(1000);
        await waiting.WaitAsync(Timeout);
        Assert.Equal(50, budget.Used);
    }

    [Fact]
    public async Task A_cancelled_wait_for_bytes_takes_nothing()
    {
        var budget = new IncomingByteBudget(100);
        Assert.True(budget.TryAcquire(80));
        using var cts = new CancellationTokenSource();
        var waiting = budget.AcquireAsync(50, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        budget.Release(80);
        Assert.Equal(0, budget.Used);
    }

    [Theory]
    [InlineData(nameof(MqttClientOptions.MaximumTopicLength), 0)]
    [InlineData(nameof(MqttClientOptions.MaximumTopicLength), 65536)]
    [InlineData(nameof(MqttClientOptions.IncomingMessageBufferSize), 1023)]
    public async Task Limits_out_of_range_are_rejected_at_connect_naming_the_option(string option, int value)
    {
        var options = option == nameof(MqttClientOptions.MaximumTopicLength)
            ? new MqttClientOptions { MaximumTopicLength = value }
            : new MqttClientOptions { IncomingMessageBufferSize = value };
        await using var client = new MqttClient(options);
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => client.ConnectAsync());
        Assert.Equal(option, error.ParamName);
    }

    private static (MqttPacketType, ushort) Ack(MqttAckPacket packet) => (packet.Ack.Type, packet.Ack.PacketId);
}
