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

    [Fact]
    public async Task A_waiter_brings_its_message_and_flights_back_only_with_itself_and_a_detached_one_makes_new_flights()
    {
        var pool = new PublishWaiterPool();
        var waiter = pool.Rent();
        var message = waiter.OwnMessage("first", new byte[] { 1 }, MqttQualityOfService.ExactlyOnce, retain: true);
        var flight = waiter.OwnFlight(7, message, MqttOutgoingFlightState.AwaitingPubRec);
        var released = waiter.OwnFlightAfterPubRec(flight);
        Assert.Equal((7, MqttOutgoingFlightState.AwaitingPubComp), (released.PacketId, released.State));
        Assert.Same(message, released.Message);

        // A flight that is not this waiter's own (one of a store, say) is copied, never refilled.
        var foreign = new MqttOutgoingFlight(9, message, MqttOutgoingFlightState.AwaitingPubRec);
        Assert.NotSame(released, waiter.OwnFlightAfterPubRec(foreign));

        var waiting = waiter.WaitAsync(CancellationToken.None);
        waiter.TrySetResult(new MqttPublishResult { PacketId = 7 });
        await waiting;
        waiter.ReleaseBySession();

        // Idle in the pool, it holds nothing of the application's.
        Assert.Equal((string.Empty, 0, 0), (message.Topic, message.Payload.Length, (int)flight.PacketId));
        Assert.Equal(string.Empty, released.Message.Topic);

        var reused = pool.Rent();
        Assert.Same(waiter, reused);
        var again = reused.OwnMessage("second", new byte[] { 2, 2 }, MqttQualityOfService.AtLeastOnce, retain: false);
        Assert.Same(message, again);
        Assert.Equal(("second", 2, MqttQualityOfService.AtLeastOnce, false, false), (again.Topic, again.Payload.Length, again.QualityOfService, again.Retain, again.Duplicate));
        Assert.Same(flight, reused.OwnFlight(8, again, MqttOutgoingFlightState.AwaitingPubAck));

        // Detached (its message went to a queue or a new session): every flight is a new one, since an earlier one
        // may still be held there.
        reused.Detach();
        var first = reused.OwnFlight(10, again, MqttOutgoingFlightState.AwaitingPubAck);
        Assert.NotSame(flight, first);
        Assert.NotSame(first, reused.OwnFlight(11, again, MqttOutgoingFlightState.AwaitingPubAck));
        Assert.Equal((ushort)8, flight.PacketId);
    }

    [Theory]
    [InlineData(MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttQualityOfService.ExactlyOnce)]
    public async Task A_flight_still_open_is_sent_again_as_it_was_after_other_publishes_reused_their_messages(MqttQualityOfService qos)
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { CleanStart = false, SessionExpiry = TimeSpan.FromMinutes(1) });
        var accepted = broker.AcceptAsync();
        await client.ConnectAsync();
        await accepted;

        var held = client.PublishAsync("held", new byte[] { 0xB }, qos).AsTask();
        var heldSent = await broker.ReadAsync<MqttPublishPacket>();
        if (qos == MqttQualityOfService.ExactlyOnce)
        {
            // Moved on to its PUBREL, where its flight is the waiter's second one.
            await broker.SendAckAsync(MqttPacketType.PubRec, heldSent.PacketId);
            Assert.Equal(MqttPacketType.PubRel, (await broker.ReadAsync<MqttAckPacket>()).Type);
        }

        // Completed flows one at a time: each publish takes the waiter (message and flights) the last one gave back.
        for (var i = 0; i < 10; i++)
        {
            var publishing = client.PublishAsync($"done/{i}", new byte[] { (byte)i, 0xFF }, qos).AsTask();
            var sent = await broker.ReadAsync<MqttPublishPacket>();
            Assert.Equal(($"done/{i}", (byte)i), (sent.Topic, sent.Payload.Span[0]));
            if (qos == MqttQualityOfService.AtLeastOnce)
            {
                await broker.SendAckAsync(MqttPacketType.PubAck, sent.PacketId);
            }
            else
            {
                await broker.SendAckAsync(MqttPacketType.PubRec, sent.PacketId);
                await broker.ReadAsync<MqttAckPacket>();
                await broker.SendAckAsync(MqttPacketType.PubComp, sent.PacketId);
            }

            await publishing.WaitAsync(Timeout);
        }

        await broker.DropConnectionAsync();
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => held.WaitAsync(Timeout));
        var accept = broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, SessionPresent = true });
        await client.ConnectAsync();
        await accept;

        if (qos == MqttQualityOfService.AtLeastOnce)
        {
            var again = await broker.ReadAsync<MqttPublishPacket>();
            Assert.Equal((heldSent.PacketId, true, "held", 0xB), (again.PacketId, again.Duplicate, again.Topic, again.Payload.Span[0]));
        }
        else
        {
            var again = await broker.ReadAsync<MqttAckPacket>();
            Assert.Equal((MqttPacketType.PubRel, heldSent.PacketId), (again.Type, again.Ack.PacketId));
        }
    }
}
