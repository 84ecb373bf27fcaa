using SecureMqtt.Packets;
using SecureMqtt.Session;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

/// <summary>
/// QoS 1/2 publishes on a connection complete through waiters the client reuses. Reuse must never hand one
/// publisher another's answer, also after a publisher stopped waiting before its acknowledgement came.
/// </summary>
public class PooledPublishTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttQualityOfService.ExactlyOnce)]
    public async Task Each_publish_gets_the_answer_to_its_own_packet_while_waiters_are_reused(MqttQualityOfService qos)
    {
        await using var broker = new FakeBroker();
        await using var client = await broker.ConnectClientAsync();

        for (var i = 0; i < 20; i++)
        {
            var publishing = client.PublishAsync($"pooled/{i}", new byte[] { (byte)i }, qos).AsTask();
            var sent = await broker.ReadAsync<MqttPublishPacket>();
            Assert.Equal($"pooled/{i}", sent.Topic);

            // Alternate reason codes, so an answer handed to the wrong publisher would show.
            var other = qos == MqttQualityOfService.AtLeastOnce ? MqttReasonCode.NoMatchingSubscribers : MqttReasonCode.PacketIdentifierNotFound;
            var reason = i % 2 == 0 ? MqttReasonCode.Success : other;
            if (qos == MqttQualityOfService.AtLeastOnce)
            {
                await broker.SendAckAsync(MqttPacketType.PubAck, sent.PacketId, reason);
            }
            else
            {
                await broker.SendAckAsync(MqttPacketType.PubRec, sent.PacketId);
                Assert.Equal(sent.PacketId, (await broker.ReadAsync<MqttAckPacket>()).Ack.PacketId);
                await broker.SendAckAsync(MqttPacketType.PubComp, sent.PacketId, reason);
            }

            var result = await publishing.WaitAsync(Timeout);
            Assert.Equal((sent.PacketId, reason), (result.PacketId!.Value, result.ReasonCode));
        }
    }

    [Fact]
    public async Task A_publisher_that_stopped_waiting_does_not_receive_a_later_publishers_answer()
    {
        await using var broker = new FakeBroker();
        await using var client = await broker.ConnectClientAsync();

        using var cts = new CancellationTokenSource();
        var abandoned = client.PublishAsync("abandoned", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce, cancellationToken: cts.Token).AsTask();
        var first = await broker.ReadAsync<MqttPublishPacket>();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(Timeout));

        // The first flow goes on in the session; its late PUBACK completes nothing visible.
        await broker.SendAckAsync(MqttPacketType.PubAck, first.PacketId, MqttReasonCode.QuotaExceeded);

        for (var i = 0; i < 5; i++)
        {
            var next = client.PublishAsync("next", new byte[] { 2 }, MqttQualityOfService.AtLeastOnce).AsTask();
            var sent = await broker.ReadAsync<MqttPublishPacket>();
            await broker.SendAckAsync(MqttPacketType.PubAck, sent.PacketId, MqttReasonCode.NoMatchingSubscribers);
            var result = await next.WaitAsync(Timeout);
            Assert.Equal((sent.PacketId, MqttReasonCode.NoMatchingSubscribers), (result.PacketId!.Value, result.ReasonCode));
        }

        Assert.True(abandoned.IsCanceled);
    }

    [Fact]
    public async Task A_waiter_is_reused_only_after_both_the_publisher_and_the_session_are_done_with_it()
    {
        var pool = new PublishWaiterPool();
        var waiter = pool.Rent();
        var waiting = waiter.WaitAsync(CancellationToken.None);

        // Answered and read by the publisher, but the session has not let go: not back in the pool.
        Assert.True(waiter.TrySetResult(new MqttPublishResult { PacketId = 1 }));
        Assert.Equal((ushort)1, (await waiting).PacketId);
        Assert.NotSame(waiter, pool.Rent());

        waiter.ReleaseBySession();
        var reused = pool.Rent();
        Assert.Same(waiter, reused);

        // The old value task's token is stale: reading through it again is refused, not answered with the new result.
        var again = reused.WaitAsync(CancellationToken.None);
        Assert.False(again.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => waiting.Result);

        // A detached waiter (failed by a connection loss, carried into a queue) never returns to the pool.
        var detached = pool.Rent();
        detached.Detach();
        var detachedWait = detached.WaitAsync(CancellationToken.None);
        detached.TrySetException(new MqttConnectionLostException("gone"));
        await Assert.ThrowsAsync<MqttConnectionLostException>(async () => await detachedWait);
        detached.ReleaseBySession();
        Assert.NotSame(detached, pool.Rent());
    }
}
