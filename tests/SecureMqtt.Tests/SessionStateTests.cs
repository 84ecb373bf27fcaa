using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Tests;

public class SessionStateTests
{
    private static readonly MqttMessage QoS1 = new() { Topic = "a/b", Payload = new byte[] { 1 }, QualityOfService = MqttQualityOfService.AtLeastOnce };
    private static readonly MqttMessage QoS2 = QoS1 with { QualityOfService = MqttQualityOfService.ExactlyOnce };

    private static async Task<(MqttSessionState State, MqttInMemorySessionStore Store)> StartedAsync()
    {
        var store = new MqttInMemorySessionStore();
        var state = new MqttSessionState(store);
        await state.StartAsync("c1", sessionPresent: false, CancellationToken.None);
        return (state, store);
    }

    [Fact]
    public async Task QoS1_publish_is_stored_until_PUBACK_completes_it_with_the_reason_code()
    {
        var (state, store) = await StartedAsync();
        var (id, completion) = await state.BeginPublishAsync(QoS1, CancellationToken.None);

        var stored = Assert.Single(await store.LoadOutgoingAsync("c1"));
        Assert.Equal(new MqttOutgoingFlight(id, QoS1, MqttOutgoingFlightState.AwaitingPubAck), stored);
        Assert.False(completion.IsCompleted);

        Assert.Equal(AckOutcome.Completed, await state.OnPubAckAsync(new MqttAck(MqttPacketType.PubAck, id, MqttReasonCode.NoMatchingSubscribers)));
        var result = await completion.WaitAsync(CancellationToken.None);
        Assert.Equal(MqttReasonCode.NoMatchingSubscribers, result.ReasonCode);
        Assert.Equal(id, result.PacketId);
        Assert.Empty(await store.LoadOutgoingAsync("c1"));
    }

    [Fact]
    public async Task PUBACK_for_an_unknown_id_changes_nothing()
    {
        var (state, _) = await StartedAsync();
        var (id, completion) = await state.BeginPublishAsync(QoS1, CancellationToken.None);
        Assert.Equal(AckOutcome.Unknown, await state.OnPubAckAsync(new MqttAck(MqttPacketType.PubAck, (ushort)(id + 1))));
        Assert.False(completion.IsCompleted);
        Assert.Equal(1, state.OutgoingCount);
    }

    [Fact]
    public async Task QoS2_publish_goes_PUBREC_then_PUBREL_then_PUBCOMP()
    {
        var (state, store) = await StartedAsync();
        var (id, completion) = await state.BeginPublishAsync(QoS2, CancellationToken.None);
        Assert.Equal(MqttOutgoingFlightState.AwaitingPubRec, Assert.Single(await store.LoadOutgoingAsync("c1")).State);

        // PUBACK is not an answer to a QoS 2 PUBLISH.
        Assert.Equal(AckOutcome.Unknown, await state.OnPubAckAsync(new MqttAck(MqttPacketType.PubAck, id)));

        Assert.Equal(AckOutcome.SendPubRel, await state.OnPubRecAsync(new MqttAck(MqttPacketType.PubRec, id)));
        Assert.Equal(MqttOutgoingFlightState.AwaitingPubComp, Assert.Single(await store.LoadOutgoingAsync("c1")).State);
        Assert.False(completion.IsCompleted);

        // A repeated PUBREC is answered with PUBREL again.
        Assert.Equal(AckOutcome.SendPubRel, await state.OnPubRecAsync(new MqttAck(MqttPacketType.PubRec, id)));

        Assert.Equal(AckOutcome.Completed, await state.OnPubCompAsync(new MqttAck(MqttPacketType.PubComp, id)));
        Assert.Equal(MqttReasonCode.Success, (await completion.WaitAsync(CancellationToken.None)).ReasonCode);
        Assert.Empty(await store.LoadOutgoingAsync("c1"));
    }

    [Fact]
    public async Task A_failing_PUBREC_ends_the_QoS2_flow_with_its_reason_code()
    {
        var (state, store) = await StartedAsync();
        var (id, completion) = await state.BeginPublishAsync(QoS2, CancellationToken.None);
        Assert.Equal(AckOutcome.Completed, await state.OnPubRecAsync(new MqttAck(MqttPacketType.PubRec, id, MqttReasonCode.QuotaExceeded)));
        var result = await completion.WaitAsync(CancellationToken.None);
        Assert.Equal(MqttReasonCode.QuotaExceeded, result.ReasonCode);
        Assert.False(result.IsSuccess);
        Assert.Empty(await store.LoadOutgoingAsync("c1"));
    }

    [Fact]
    public async Task PUBREC_for_an_unknown_id_is_answered_with_packet_identifier_not_found()
    {
        var (state, _) = await StartedAsync();
        Assert.Equal(AckOutcome.SendPubRelNotFound, await state.OnPubRecAsync(new MqttAck(MqttPacketType.PubRec, 77)));
    }

    [Fact]
    public async Task Incoming_QoS2_is_delivered_once_until_PUBREL_releases_the_id()
    {
        var (state, store) = await StartedAsync();
        Assert.True(await state.OnIncomingExactlyOnceAsync(7, 10, CancellationToken.None));
        Assert.False(await state.OnIncomingExactlyOnceAsync(7, 10, CancellationToken.None));
        Assert.Equal([(ushort)7], await store.LoadIncomingAsync("c1"));

        Assert.True(await state.OnPubRelAsync(7, CancellationToken.None));
        Assert.False(await state.OnPubRelAsync(7, CancellationToken.None));
        Assert.Empty(await store.LoadIncomingAsync("c1"));

        // After release the broker may reuse the id for a new message.
        Assert.True(await state.OnIncomingExactlyOnceAsync(7, 10, CancellationToken.None));
    }

    [Fact]
    public async Task An_incoming_QoS2_id_awaiting_its_handler_is_recorded_once_handled_and_stays_held_across_a_resumed_session()
    {
        var (state, store) = await StartedAsync();
        Assert.True(await state.OnIncomingExactlyOnceAsync(7, 10, CancellationToken.None, recordWhenHandled: true));
        Assert.Empty(await store.LoadIncomingAsync("c1"));
        Assert.True(state.IsAwaitingHandler(7));

        // A reconnect that resumed the session: the broker sends the message again with DUP, and it is a duplicate.
        await state.StartAsync("c1", sessionPresent: true, CancellationToken.None);
        Assert.False(await state.OnIncomingExactlyOnceAsync(7, 10, CancellationToken.None, duplicate: true, recordWhenHandled: true));
        Assert.True(state.IsAwaitingHandler(7));

        Assert.True(await state.OnIncomingHandledAsync(7, CancellationToken.None));
        Assert.False(state.IsAwaitingHandler(7));
        Assert.Equal([(ushort)7], await store.LoadIncomingAsync("c1"));
        Assert.True(await state.OnPubRelAsync(7, CancellationToken.None));
        Assert.Empty(await store.LoadIncomingAsync("c1"));
    }

    [Fact]
    public async Task An_incoming_QoS2_id_awaiting_its_handler_is_dropped_with_a_session_the_broker_lost()
    {
        var (state, store) = await StartedAsync();
        Assert.True(await state.OnIncomingExactlyOnceAsync(7, 10, CancellationToken.None, recordWhenHandled: true));
        await state.StartAsync("c1", sessionPresent: false, CancellationToken.None);

        // Handled after all, but the id belongs to no session now: no PUBREC is due and nothing is recorded.
        Assert.False(await state.OnIncomingHandledAsync(7, CancellationToken.None));
        Assert.Empty(await store.LoadIncomingAsync("c1"));
        Assert.True(await state.OnIncomingExactlyOnceAsync(7, 10, CancellationToken.None, recordWhenHandled: true));
    }

    [Fact]
    public async Task More_unreleased_incoming_QoS2_than_our_receive_maximum_is_a_protocol_error()
    {
        var (state, _) = await StartedAsync();
        Assert.True(await state.OnIncomingExactlyOnceAsync(1, 2, CancellationToken.None));
        Assert.True(await state.OnIncomingExactlyOnceAsync(2, 2, CancellationToken.None));
        Assert.False(await state.OnIncomingExactlyOnceAsync(2, 2, CancellationToken.None));
        var error = await Assert.ThrowsAsync<MqttProtocolException>(async () => await state.OnIncomingExactlyOnceAsync(3, 2, CancellationToken.None));
        Assert.Equal(MqttReasonCode.ReceiveMaximumExceeded, error.ReasonCode);
    }

    [Fact]
    public async Task Connection_loss_fails_waiters_but_keeps_flights_for_a_resumed_session()
    {
        var (state, store) = await StartedAsync();
        var (id1, c1) = await state.BeginPublishAsync(QoS1, CancellationToken.None);
        var (id2, _) = await state.BeginPublishAsync(QoS2, CancellationToken.None);
        await state.OnPubRecAsync(new MqttAck(MqttPacketType.PubRec, id2));

        state.FailPending(new MqttConnectionLostException("gone"));
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => c1.WaitAsync(CancellationToken.None).AsTask());

        var flights = (await state.StartAsync("c1", sessionPresent: true, CancellationToken.None)).Retransmit;
        Assert.Equal([(id1, MqttOutgoingFlightState.AwaitingPubAck), (id2, MqttOutgoingFlightState.AwaitingPubComp)], flights.Select(f => (f.PacketId, f.State)));

        // Resumed ids stay reserved: a new publish gets another id.
        var (id3, _) = await state.BeginPublishAsync(QoS1, CancellationToken.None);
        Assert.DoesNotContain(id3, new[] { id1, id2 });
        Assert.Equal(3, (await store.LoadOutgoingAsync("c1")).Count);
    }

    [Fact]
    public async Task Without_a_session_on_the_broker_stored_state_is_discarded_and_unfinished_messages_come_back_to_be_sent_as_new()
    {
        var (state, store) = await StartedAsync();
        var (_, waiting) = await state.BeginPublishAsync(QoS1, CancellationToken.None);
        var (id2, pastPubRec) = await state.BeginPublishAsync(QoS2, CancellationToken.None);
        await state.OnPubRecAsync(new MqttAck(MqttPacketType.PubRec, id2));
        await state.OnIncomingExactlyOnceAsync(5, 10, CancellationToken.None);

        var start = await state.StartAsync("c1", sessionPresent: false, CancellationToken.None);
        Assert.Empty(start.Retransmit);

        // Both come back in publish order with their callers still waiting: the QoS 1 message was never
        // acknowledged, and a broker may hold a QoS 2 message until PUBREL before delivering it (Mosquitto does).
        Assert.Equal([QoS1.QualityOfService, QoS2.QualityOfService], start.Resend.Select(r => r.Message.QualityOfService));
        Assert.Same(waiting, start.Resend[0].Waiter);
        Assert.Same(pastPubRec, start.Resend[1].Waiter);
        Assert.False(waiting.IsCompleted || pastPubRec.IsCompleted);
        Assert.Empty(await store.LoadOutgoingAsync("c1"));
        Assert.Empty(await store.LoadIncomingAsync("c1"));
        Assert.Equal(0, state.OutgoingCount);
    }

    [Fact]
    public async Task Requests_complete_with_their_response_and_free_the_id()
    {
        var (state, _) = await StartedAsync();
        var id = state.BeginRequest(out var completion);
        var subAck = new MqttSubAckPacket { PacketId = id, ReasonCodes = [MqttReasonCode.GrantedQoS1] };
        Assert.False(state.CompleteRequest((ushort)(id + 1), subAck));
        Assert.True(state.CompleteRequest(id, subAck));
        Assert.Same(subAck, await completion);
        Assert.False(state.CompleteRequest(id, subAck));
    }
}
