using SecureMqtt.Packets;
using SecureMqtt.Session;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

public class SessionResumeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_resumed_session_retransmits_unacknowledged_PUBLISH_with_DUP_and_PUBREL()
    {
        var store = new MqttInMemorySessionStore();
        ushort qos1Id, qos2Id;
        Task<MqttPublishResult> qos1, qos2;
        await using (var broker = new FakeBroker())
        {
            await using var client = new MqttClient(broker.ClientOptions with { CleanStart = false, SessionStore = store, SessionExpiry = TimeSpan.FromMinutes(1) });
            var accept = broker.AcceptAsync();
            await client.ConnectAsync();
            Assert.False((await accept).CleanStart);

            qos1 = client.PublishAsync("one", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask();
            qos2 = client.PublishAsync("two", new byte[] { 2 }, MqttQualityOfService.ExactlyOnce).AsTask();
            var p1 = await broker.ReadAsync<MqttPublishPacket>();
            var p2 = await broker.ReadAsync<MqttPublishPacket>();
            (qos1Id, qos2Id) = p1.Topic == "one" ? (p1.PacketId, p2.PacketId) : (p2.PacketId, p1.PacketId);
            await broker.SendAckAsync(MqttPacketType.PubRec, qos2Id);
            var rel = (await broker.ReadAsync<MqttAckPacket>()).Ack;
            Assert.Equal((MqttPacketType.PubRel, qos2Id), (rel.Type, rel.PacketId));
        }

        // The connection ended: the callers hear about it, the flights stay in the store.
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => qos1.WaitAsync(Timeout));
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => qos2.WaitAsync(Timeout));
        Assert.Equal(2, (await store.LoadOutgoingAsync("fake-test")).Count);

        await using var broker2 = new FakeBroker();
        await using var resumed = new MqttClient(broker2.ClientOptions with { CleanStart = false, SessionStore = store, SessionExpiry = TimeSpan.FromMinutes(1) });
        var accept2 = broker2.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, SessionPresent = true });
        Assert.True((await resumed.ConnectAsync()).SessionPresent);
        await accept2;

        // [MQTT-4.4.0-1]: PUBLISH again with DUP and the same id; PUBREL again for the QoS 2 flow past PUBREC.
        var again = await broker2.ReadAsync<MqttPublishPacket>();
        Assert.Equal(("one", qos1Id, true), (again.Topic, again.PacketId, again.Duplicate));
        var rel2 = (await broker2.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubRel, qos2Id), (rel2.Type, rel2.PacketId));

        await broker2.SendAckAsync(MqttPacketType.PubAck, qos1Id);
        await broker2.SendAckAsync(MqttPacketType.PubComp, qos2Id);

        // Once acknowledged the store is empty. The acks are processed in order, so when the PUBACK of a later
        // publish has completed its call, the earlier ones have been handled too. (The later publish may reuse
        // id 1 or 2 if their acks were processed before it took an id: that is correct, so it is not asserted.)
        var next = resumed.PublishAsync("three", new byte[] { 3 }, MqttQualityOfService.AtLeastOnce).AsTask();
        var p3 = await broker2.ReadAsync<MqttPublishPacket>();
        Assert.Equal("three", p3.Topic);
        await broker2.SendAckAsync(MqttPacketType.PubAck, p3.PacketId);
        await next.WaitAsync(Timeout);
        Assert.Empty(await store.LoadOutgoingAsync("fake-test"));
    }

    [Fact]
    public async Task Without_session_present_the_stored_flights_are_published_again_as_new_messages_before_later_ones()
    {
        var store = new MqttInMemorySessionStore();
        await store.SaveOutgoingAsync("fake-test", new MqttOutgoingFlight(9, new MqttMessage { Topic = "old", QualityOfService = MqttQualityOfService.AtLeastOnce }, MqttOutgoingFlightState.AwaitingPubAck));
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { CleanStart = false, SessionStore = store });
        var accept = broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, SessionPresent = false });
        await client.ConnectAsync();
        await accept;

        // The broker forgot the flight, but the broker never acknowledged the message either: it goes out again as
        // a new PUBLISH (no DUP: this broker never saw it under this session), ahead of what is published now.
        var publish = client.PublishAsync("new", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask();
        var again = await broker.ReadAsync<MqttPublishPacket>();
        Assert.Equal(("old", false), (again.Topic, again.Duplicate));
        var sent = await broker.ReadAsync<MqttPublishPacket>();
        Assert.Equal("new", sent.Topic);
        Assert.NotEqual(again.PacketId, sent.PacketId);

        // Complete the flights: a publish left pending would fail unobserved when the client is disposed.
        await broker.SendAckAsync(MqttPacketType.PubAck, again.PacketId);
        await broker.SendAckAsync(MqttPacketType.PubAck, sent.PacketId);
        Assert.True((await publish.WaitAsync(Timeout)).IsSuccess);
        Assert.Empty(await store.LoadOutgoingAsync("fake-test"));
    }

    [Fact]
    public async Task The_same_client_reconnects_after_a_lost_connection_and_resumes_its_session()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { CleanStart = false, SessionExpiry = TimeSpan.FromMinutes(1) });
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, e) => lost.TrySetResult(e);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        var pending = client.PublishAsync("kept", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask();
        var first = await broker.ReadAsync<MqttPublishPacket>();
        await broker.DropConnectionAsync();
        Assert.IsType<MqttConnectionLostException>((await lost.Task.WaitAsync(Timeout)).Exception);
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => pending.WaitAsync(Timeout));
        Assert.False(client.IsConnected);

        var accept2 = broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, SessionPresent = true });
        await client.ConnectAsync();
        await accept2;
        Assert.True(client.IsConnected);
        var again = await broker.ReadAsync<MqttPublishPacket>();
        Assert.Equal((first.PacketId, true), (again.PacketId, again.Duplicate));
    }
}
