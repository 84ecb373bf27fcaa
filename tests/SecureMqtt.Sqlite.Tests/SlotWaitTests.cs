using SecureMqtt.Packets;
using SecureMqtt.Session;
using SecureMqtt.Testing;

namespace SecureMqtt.Sqlite.Tests;

/// <summary>
/// A QoS 1 publish that has to wait for an in-flight slot is stored as queued before it waits (so the saves of all
/// waiting publishers share commits), is sent from that row once a slot frees, and its row goes when its publisher
/// gives up first: a later process must not send what the application was told did not go out.
/// </summary>
/// <remarks>Publishes made one after another keep their order through all of this.</remarks>
[Collection(MosquittoFixture.CollectionName)]
public sealed class SlotWaitTests(MosquittoFixture broker) : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly StoreFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task A_publish_waiting_for_a_slot_is_stored_as_queued_and_its_row_is_removed_when_it_is_cancelled()
    {
        var clientId = $"slot-{Guid.NewGuid():N}"[..20];
        await using var store = await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = _files.PathOf("slots.db") });
        await using var proxy = await FaultProxy.StartAsync(broker.Host, broker.PlainPort, seed: 51);
        var client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = proxy.Port,
            ClientId = clientId,
            SessionStore = store,
            MaximumOutgoingInFlight = 1,
            Reconnect = MqttReconnectOptions.Disabled,
        });
        await client.ConnectAsync();

        // The broker never answers from here on: the first message keeps the only slot.
        proxy.Stall(true);
        var first = client.PublishAsync(Message(0)).AsTask();
        await UntilAsync(async () => (await store.LoadOutgoingAsync(clientId)).Count == 1);

        using var giveUp = new CancellationTokenSource();
        var waiting = client.PublishAsync(Message(1), giveUp.Token).AsTask();
        await UntilAsync(async () => (await store.LoadQueuedAsync(clientId)).Any(q => q.Message.Payload.Span[0] == 1));
        var flights = await store.LoadOutgoingAsync(clientId);
        Assert.Equal([(byte)0], flights.Select(f => f.Message.Payload.Span[0]));
        Assert.False(waiting.IsCompleted);

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await UntilAsync(async () => (await store.LoadQueuedAsync(clientId)).Count == 0);
        Assert.Single(await store.LoadOutgoingAsync(clientId));

        await client.DisposeAsync();
        await Assert.ThrowsAnyAsync<MqttException>(() => first);
    }

    [Fact]
    public async Task Publishes_waiting_for_slots_all_go_out_in_order_once_acknowledgements_free_them_and_leave_nothing_stored()
    {
        var clientId = $"slot-{Guid.NewGuid():N}"[..20];
        var topic = $"slots/{Guid.NewGuid():N}";
        await using var store = await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = _files.PathOf("order.db") });
        var received = new List<byte>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscriber = new MqttClient(new MqttClientOptions { Host = broker.Host, Port = broker.PlainPort });
        await subscriber.ConnectAsync();
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, (message, _) =>
        {
            lock (received)
            {
                received.Add(message.Payload.Span[0]);
                if (received.Count == 50)
                {
                    all.TrySetResult();
                }
            }

            return ValueTask.CompletedTask;
        });
        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = broker.Host,
            Port = broker.PlainPort,
            ClientId = clientId,
            SessionStore = store,
            MaximumOutgoingInFlight = 2,
        });
        await client.ConnectAsync();

        // 50 at once over 2 slots: 48 wait, each stored as queued first, then moved to a flight when it is sent; the
        // saves complete on the store's thread and their publishers go on in any order, yet each keeps its place.
        var publishes = Enumerable.Range(0, 50).Select(i => client.PublishAsync(Message(i, topic)).AsTask()).ToList();
        var results = await Task.WhenAll(publishes).WaitAsync(s_timeout);
        await all.Task.WaitAsync(s_timeout);

        Assert.All(results, r => Assert.Equal(MqttReasonCode.Success, r.ReasonCode));
        lock (received)
        {
            Assert.Equal(Enumerable.Range(0, 50).Select(i => (byte)i), received);
        }

        await UntilAsync(async () => (await store.LoadQueuedAsync(clientId)).Count == 0 && (await store.LoadOutgoingAsync(clientId)).Count == 0);
    }

    private static MqttMessage Message(int i, string topic = "slots/stalled") =>
        new() { Topic = topic, QualityOfService = MqttQualityOfService.AtLeastOnce, Payload = new[] { (byte)i } };

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(s_timeout);
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
