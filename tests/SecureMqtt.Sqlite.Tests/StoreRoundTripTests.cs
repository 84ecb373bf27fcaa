using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Sqlite.Tests;

public sealed class StoreRoundTripTests : IDisposable
{
    private readonly StoreFiles _files = new();

    private static readonly MqttMessage s_full = new()
    {
        Topic = "a/b",
        Payload = Encoding.UTF8.GetBytes("payload"),
        QualityOfService = MqttQualityOfService.ExactlyOnce,
        Retain = true,
        PayloadFormat = MqttPayloadFormatIndicator.Utf8,
        MessageExpiry = TimeSpan.FromSeconds(90),
        ContentType = "application/json",
        ResponseTopic = "reply/here",
        CorrelationData = new byte[] { 1, 2, 3 },
        UserProperties = [new("k", "v1"), new("k", "v2"), new("other", "")],
    };

    public void Dispose() => _files.Dispose();

    private Task<MqttSqliteSessionStore> OpenAsync(string name = "s.db", MqttStoreDurability durability = MqttStoreDurability.Batched) =>
        MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = _files.PathOf(name), Durability = durability });

    private static void AssertSameMessage(MqttMessage expected, MqttMessage actual)
    {
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
        Assert.Equal(expected.QualityOfService, actual.QualityOfService);
        Assert.Equal(expected.Retain, actual.Retain);
        Assert.Equal(expected.PayloadFormat, actual.PayloadFormat);
        Assert.Equal(expected.MessageExpiry, actual.MessageExpiry);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.ResponseTopic, actual.ResponseTopic);
        Assert.Equal(expected.CorrelationData?.ToArray(), actual.CorrelationData?.ToArray());
        Assert.Equal(expected.UserProperties, actual.UserProperties);
    }

    [Theory]
    [InlineData(MqttStoreDurability.PerMessage)]
    [InlineData(MqttStoreDurability.Batched)]
    [InlineData(MqttStoreDurability.None)]
    public async Task A_flight_with_every_MQTT_5_property_survives_closing_and_reopening(MqttStoreDurability durability)
    {
        await using (var store = await OpenAsync(durability: durability))
        {
            await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(7, s_full, MqttOutgoingFlightState.AwaitingPubRec));
            await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(8, new MqttMessage { Topic = "plain", QualityOfService = MqttQualityOfService.AtLeastOnce }, MqttOutgoingFlightState.AwaitingPubAck));
        }

        await using var reopened = await OpenAsync(durability: durability);
        var flights = await reopened.LoadOutgoingAsync("c");
        Assert.Equal([7, 8], flights.Select(f => (int)f.PacketId));
        AssertSameMessage(s_full, flights[0].Message);
        Assert.Equal(MqttOutgoingFlightState.AwaitingPubRec, flights[0].State);
        Assert.Null(flights[1].Message.ContentType);
        Assert.Empty(flights[1].Message.UserProperties);
        Assert.Empty(await reopened.LoadOutgoingAsync("other-client"));
    }

    [Fact]
    public async Task A_state_change_keeps_the_flight_in_its_first_place_and_removals_apply_in_order()
    {
        await using (var store = await OpenAsync())
        {
            var m = new MqttMessage { Topic = "t", QualityOfService = MqttQualityOfService.ExactlyOnce };
            await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(3, m, MqttOutgoingFlightState.AwaitingPubRec));
            await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(1, m, MqttOutgoingFlightState.AwaitingPubRec));
            await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(2, m, MqttOutgoingFlightState.AwaitingPubRec));
            await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(3, m, MqttOutgoingFlightState.AwaitingPubComp));
            await store.RemoveOutgoingAsync("c", 1);

            // Id 1 reused after its removal: a new flight, so it goes last.
            await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(1, m with { Topic = "new" }, MqttOutgoingFlightState.AwaitingPubRec));
        }

        await using var reopened = await OpenAsync();
        var flights = await reopened.LoadOutgoingAsync("c");
        Assert.Equal([3, 2, 1], flights.Select(f => (int)f.PacketId));
        Assert.Equal(MqttOutgoingFlightState.AwaitingPubComp, flights[0].State);
        Assert.Equal("new", flights[2].Message.Topic);
    }

    [Fact]
    public async Task Removals_and_incoming_ids_complete_without_waiting_for_the_disk_and_are_applied_before_a_later_read()
    {
        await using var store = await OpenAsync(durability: MqttStoreDurability.PerMessage);
        var m = new MqttMessage { Topic = "t", QualityOfService = MqttQualityOfService.AtLeastOnce };
        for (ushort id = 1; id <= 50; id++)
        {
            await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(id, m, MqttOutgoingFlightState.AwaitingPubAck));
        }

        for (ushort id = 1; id <= 40; id++)
        {
            var removal = store.RemoveOutgoingAsync("c", id);
            Assert.True(removal.IsCompletedSuccessfully);
        }

        Assert.True(store.AddIncomingAsync("c", 9).IsCompletedSuccessfully);
        Assert.True(store.AddIncomingAsync("c", 10).IsCompletedSuccessfully);
        Assert.True(store.RemoveIncomingAsync("c", 9).IsCompletedSuccessfully);

        Assert.Equal(Enumerable.Range(41, 10), (await store.LoadOutgoingAsync("c")).Select(f => (int)f.PacketId));
        Assert.Equal([10], (await store.LoadIncomingAsync("c")).Select(i => (int)i));
    }

    [Fact]
    public async Task Removals_gathered_into_one_delete_keep_their_order_against_a_save_that_reuses_an_id()
    {
        await using (var store = await OpenAsync())
        {
            var m = new MqttMessage { Topic = "t", QualityOfService = MqttQualityOfService.AtLeastOnce };
            for (ushort id = 1; id <= 10; id++)
            {
                await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(id, m, MqttOutgoingFlightState.AwaitingPubAck));
            }

            // Queued without waiting, so the writer finds them together: removals of 1..5, a new flight 11, id 3 used
            // again (its removal must come first), then removals of 11 and 6 (after the save of 11).
            for (ushort id = 1; id <= 5; id++)
            {
                _ = store.RemoveOutgoingAsync("c", id);
            }

            var saveEleven = store.SaveOutgoingAsync("c", new MqttOutgoingFlight(11, m, MqttOutgoingFlightState.AwaitingPubAck)).AsTask();
            var saveThree = store.SaveOutgoingAsync("c", new MqttOutgoingFlight(3, m with { Topic = "again" }, MqttOutgoingFlightState.AwaitingPubAck)).AsTask();
            _ = store.RemoveOutgoingAsync("c", 11);
            _ = store.RemoveOutgoingAsync("c", 6);
            await Task.WhenAll(saveEleven, saveThree);
        }

        await using var reopened = await OpenAsync();
        var flights = await reopened.LoadOutgoingAsync("c");
        Assert.Equal([7, 8, 9, 10, 3], flights.Select(f => (int)f.PacketId));
        Assert.Equal("again", flights[4].Message.Topic);
    }

    [Fact]
    public async Task Saves_of_many_concurrent_publishers_are_all_durable_when_they_return()
    {
        await using (var store = await OpenAsync())
        {
            var m = new MqttMessage { Topic = "t", QualityOfService = MqttQualityOfService.AtLeastOnce };
            await Task.WhenAll(Enumerable.Range(1, 500).Select(i => store.SaveOutgoingAsync("c", new MqttOutgoingFlight((ushort)i, m, MqttOutgoingFlightState.AwaitingPubAck)).AsTask()));
        }

        await using var reopened = await OpenAsync();
        Assert.Equal(500, (await reopened.LoadOutgoingAsync("c")).Count);
    }

    [Fact]
    public async Task The_queue_round_trips_in_sequence_order_and_a_move_leaves_the_message_once_as_a_flight()
    {
        await using (var store = await OpenAsync())
        {
            await store.SaveQueuedAsync("c", 5, s_full);
            await store.SaveQueuedAsync("c", 2, s_full with { Topic = "first" });
            await store.SaveQueuedAsync("c", 9, s_full with { Topic = "last" });
            await store.MoveQueuedToOutgoingAsync("c", 2, new MqttOutgoingFlight(4, s_full with { Topic = "first" }, MqttOutgoingFlightState.AwaitingPubRec));
            await store.RemoveQueuedAsync("c", 9);
        }

        await using var reopened = await OpenAsync();
        var queued = await reopened.LoadQueuedAsync("c");
        Assert.Equal([5L], queued.Select(q => q.Sequence));
        AssertSameMessage(s_full, queued[0].Message);
        Assert.Equal("first", Assert.Single(await reopened.LoadOutgoingAsync("c")).Message.Topic);
    }

    [Fact]
    public async Task Requeue_puts_every_unfinished_flight_ahead_of_the_queue_in_order()
    {
        await using var store = await OpenAsync();
        var m = new MqttMessage { Topic = "t", QualityOfService = MqttQualityOfService.ExactlyOnce };
        await store.SaveQueuedAsync("c", 1, m with { Topic = "queued" });
        await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(10, m with { Topic = "f1" }, MqttOutgoingFlightState.AwaitingPubRec));
        await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(11, m with { Topic = "f2" }, MqttOutgoingFlightState.AwaitingPubComp));
        await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(12, m with { Topic = "f3" }, MqttOutgoingFlightState.AwaitingPubRec));
        await store.AddIncomingAsync("c", 5);

        var requeued = await store.RequeueOutgoingAsync("c");

        // f2 had its PUBREC, but a broker may deliver a QoS 2 message only at PUBREL (Mosquitto does): it goes again too.
        Assert.Equal(["f1", "f2", "f3"], requeued.Select(q => q.Message.Topic));
        Assert.Equal([10, 11, 12], requeued.Select(q => (int)q.PacketId!.Value));
        Assert.Equal(["f1", "f2", "f3", "queued"], (await store.LoadQueuedAsync("c")).Select(q => q.Message.Topic));
        Assert.Empty(await store.LoadOutgoingAsync("c"));
        Assert.Empty(await store.LoadIncomingAsync("c"));
    }

    [Fact]
    public async Task Subscriptions_and_session_facts_round_trip()
    {
        MqttStoredSubscription[] subscriptions =
        [
            new([new MqttSubscription("a/#", MqttQualityOfService.ExactlyOnce) { NoLocal = true, RetainAsPublished = true, RetainHandling = MqttRetainHandling.DoNotSend },
                 new MqttSubscription("b", MqttQualityOfService.AtLeastOnce)], 42, [new("u", "p")]),
            new([new MqttSubscription("$share/g/c")], null, []),
        ];
        await using (var store = await OpenAsync())
        {
            await store.SaveSubscriptionsAsync("c", [new([new MqttSubscription("old")], null, [])]);
            await store.SaveSubscriptionsAsync("c", subscriptions);
            await store.SaveSessionAsync("c", new MqttStoredSession("assigned-1", TimeSpan.FromMinutes(5)));
        }

        await using var reopened = await OpenAsync();
        var loaded = await reopened.LoadSubscriptionsAsync("c");
        Assert.Equal(2, loaded.Count);
        Assert.Equal(subscriptions[0].Subscriptions, loaded[0].Subscriptions);
        Assert.Equal(42u, loaded[0].SubscriptionIdentifier);
        Assert.Equal(subscriptions[0].UserProperties, loaded[0].UserProperties);
        Assert.Equal(subscriptions[1].Subscriptions, loaded[1].Subscriptions);
        Assert.Null(loaded[1].SubscriptionIdentifier);
        Assert.Equal(new MqttStoredSession("assigned-1", TimeSpan.FromMinutes(5)), await reopened.LoadSessionAsync("c"));
        Assert.Null(await reopened.LoadSessionAsync("unknown"));
    }

    [Fact]
    public async Task Clear_forgets_the_broker_side_session_but_keeps_queue_and_subscriptions()
    {
        await using var store = await OpenAsync();
        var m = new MqttMessage { Topic = "t", QualityOfService = MqttQualityOfService.AtLeastOnce };
        await store.SaveOutgoingAsync("c", new MqttOutgoingFlight(1, m, MqttOutgoingFlightState.AwaitingPubAck));
        await store.AddIncomingAsync("c", 2);
        await store.SaveQueuedAsync("c", 1, m);
        await store.SaveSubscriptionsAsync("c", [new([new MqttSubscription("x")], null, [])]);

        await store.ClearAsync("c");

        Assert.Empty(await store.LoadOutgoingAsync("c"));
        Assert.Empty(await store.LoadIncomingAsync("c"));
        Assert.Single(await store.LoadQueuedAsync("c"));
        Assert.Single(await store.LoadSubscriptionsAsync("c"));
    }
}
