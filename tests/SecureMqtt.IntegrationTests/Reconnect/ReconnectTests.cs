using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Reconnect;

/// <summary>
/// The client against a real Mosquitto through a fault proxy that cuts, resets and stalls connections: it
/// reconnects by itself, and what the application handed over reaches the broker.
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public class ReconnectTests(MosquittoFixture fixture)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static readonly MqttReconnectOptions Fast = new() { InitialDelay = TimeSpan.FromMilliseconds(50), MaximumDelay = TimeSpan.FromMilliseconds(200) };

    private MqttClientOptions Through(FaultProxy proxy, MqttProtocolVersion version = MqttProtocolVersion.V500) =>
        Broker.Options(fixture, Listener.Plain, version) with { Port = proxy.Port, Reconnect = Fast };

    private async Task<(MqttClient Client, MessageTally Tally)> SubscribeDirectAsync(string topic, int expected, MqttQualityOfService qos)
    {
        var tally = new MessageTally(expected);
        var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await subscriber.SubscribeAsync(topic, qos, tally.OnMessageAsync);
        return (subscriber, tally);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task QoS_1_publishes_in_flight_across_cuts_and_resets_all_complete_and_none_is_lost(MqttProtocolVersion version)
    {
        const int Count = 600;
        var topic = Broker.UniqueTopic("reconnect/qos1");
        var (subscriber, tally) = await SubscribeDirectAsync(topic, Count, MqttQualityOfService.AtLeastOnce);
        await using var subscription = subscriber;
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 11);
        await using var publisher = await Broker.ConnectAsync(Through(proxy, version));
        var reconnects = 0;
        publisher.Connected += (_, e) => Interlocked.Add(ref reconnects, e.IsReconnect ? 1 : 0);

        var publishes = new List<Task<MqttPublishResult>>();
        for (var i = 0; i < Count; i++)
        {
            publishes.Add(publisher.PublishAsync(topic, MessageTally.Payload(i), MqttQualityOfService.AtLeastOnce).AsTask());
            if (i % 150 == 75)
            {
                // A cut while publishes are in the output buffer, in flight and queued behind them.
                _ = i % 300 == 75 ? proxy.CutAll() : proxy.ResetAll();
            }
        }

        var results = await Task.WhenAll(publishes).WaitAsync(Long);
        Assert.All(results, r => Assert.True(r.IsSuccess));
        await tally.WaitForAllAsync(Long);
        Assert.Empty(tally.Missing);
        Assert.True(reconnects >= 1, "the proxy cut the publisher's connection, so it must have reconnected");
        Assert.Equal(0, publisher.InFlightMessageCount);
    }

    [Fact]
    public async Task Messages_published_while_the_broker_cannot_be_reached_are_queued_and_sent_in_order_once_it_can()
    {
        const int Count = 50;
        var topic = Broker.UniqueTopic("reconnect/offline");
        var (subscriber, tally) = await SubscribeDirectAsync(topic, Count, MqttQualityOfService.AtLeastOnce);
        await using var subscription = subscriber;
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 12);
        await using var publisher = await Broker.ConnectAsync(Through(proxy));
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var disconnected = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        publisher.Reconnecting += (_, _) => reconnecting.TrySetResult();
        publisher.Disconnected += (_, e) => disconnected.TrySetResult(e);

        proxy.RefuseNew(true);
        proxy.CutAll();
        var lost = await disconnected.Task.WaitAsync(Long);
        Assert.True(lost.WillRetry);
        await reconnecting.Task.WaitAsync(Long);
        Assert.NotEqual(MqttClientState.Connected, publisher.State);

        // QoS 0, 1 and 2 alike wait in the queue: nothing is dropped while offline by default. The order is checked
        // per QoS, over QoS 0 and 1: Mosquitto hands a QoS 2 message on at PUBREL, later than the ones behind it, and
        // towards the subscriber it sends QoS 0 at once while QoS 1 waits for its in-flight window (20), so a QoS 0
        // message can overtake a QoS 1 one there (seen once: 42 before 41) although they left the client in order.
        var publishes = Enumerable.Range(0, Count)
            .Select(i => publisher.PublishAsync(topic, MessageTally.Payload(i), i < Count - 5 ? (MqttQualityOfService)(i % 2) : MqttQualityOfService.ExactlyOnce).AsTask())
            .ToList();
        Assert.Equal(Count, publisher.QueuedMessageCount);
        Assert.DoesNotContain(publishes, p => p.IsCompleted);

        proxy.RefuseNew(false);
        var results = await Task.WhenAll(publishes).WaitAsync(Long);
        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Equal(0, publisher.QueuedMessageCount);
        await tally.WaitForAllAsync(Long);
        Assert.Equal(Enumerable.Range(0, Count - 5).Where(n => n % 2 == 0), tally.Order.Where(n => n < Count - 5 && n % 2 == 0));
        Assert.Equal(Enumerable.Range(0, Count - 5).Where(n => n % 2 == 1), tally.Order.Where(n => n < Count - 5 && n % 2 == 1));
        Assert.Equal(MqttClientState.Connected, publisher.State);
    }

    [Fact]
    public async Task Subscriptions_the_broker_forgot_are_made_again_after_a_reconnect()
    {
        var topic = Broker.UniqueTopic("reconnect/resubscribe");
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 13);

        // Clean start and no session expiry: the broker forgets the subscription when the connection goes.
        await using var subscriber = await Broker.ConnectAsync(Through(proxy));
        var tally = new MessageTally(2);
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, tally.OnMessageAsync);
        var connected = new TaskCompletionSource<MqttConnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.Connected += (_, e) => _ = e.IsReconnect && connected.TrySetResult(e);

        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await publisher.PublishAsync(topic, MessageTally.Payload(0), MqttQualityOfService.AtLeastOnce);
        await tally.WaitForAsync(0, Long);
        proxy.CutAll();
        var again = await connected.Task.WaitAsync(Long);
        Assert.True(again.IsReconnect);
        Assert.False(again.SessionPresent);

        await publisher.PublishAsync(topic, MessageTally.Payload(1), MqttQualityOfService.AtLeastOnce);
        await tally.WaitForAllAsync(Long);
    }

    [Fact]
    public async Task With_a_session_on_the_broker_a_reconnect_resumes_it_and_subscribes_nothing_again()
    {
        var topic = Broker.UniqueTopic("reconnect/resume");
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 14);
        var log = new CapturingLoggerProvider();
        var options = Through(proxy) with { SessionExpiry = TimeSpan.FromMinutes(5), LoggerFactory = log };
        await using var subscriber = await Broker.ConnectAsync(options);
        var tally = new MessageTally(2);
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, tally.OnMessageAsync);
        var connected = new TaskCompletionSource<MqttConnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.Connected += (_, e) => _ = e.IsReconnect && connected.TrySetResult(e);

        // Published while the subscriber is away: the broker queues it in the session and delivers it on resume.
        proxy.RefuseNew(true);
        proxy.CutAll();
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await publisher.PublishAsync(topic, MessageTally.Payload(0), MqttQualityOfService.AtLeastOnce);
        proxy.RefuseNew(false);
        var again = await connected.Task.WaitAsync(Long);
        Assert.True(again.SessionPresent);

        await publisher.PublishAsync(topic, MessageTally.Payload(1), MqttQualityOfService.AtLeastOnce);
        await tally.WaitForAllAsync(Long);
        Assert.Single(log.Entries, e => e.Message.StartsWith("sending SUBSCRIBE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_half_open_connection_is_found_by_keep_alive_and_replaced()
    {
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 15);
        await using var client = await Broker.ConnectAsync(Through(proxy) with { KeepAlive = TimeSpan.FromSeconds(1) });
        var disconnected = new TaskCompletionSource<MqttDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) => disconnected.TrySetResult(e);
        client.Connected += (_, e) => _ = e.IsReconnect && connected.TrySetResult();

        proxy.Stall(true);
        var lost = await disconnected.Task.WaitAsync(Long);
        Assert.Contains("keep-alive", lost.Exception.Message, StringComparison.Ordinal);
        Assert.True(lost.WillRetry);
        proxy.Stall(false);
        await connected.Task.WaitAsync(Long);
        var topic = Broker.UniqueTopic("reconnect/halfopen");
        Assert.True((await client.PublishAsync(topic, MessageTally.Payload(1), MqttQualityOfService.AtLeastOnce).AsTask().WaitAsync(Long)).IsSuccess);
    }

    [Fact]
    public async Task QoS_2_messages_reach_the_application_exactly_once_across_cuts_right_after_PUBREC_and_PUBREL()
    {
        const int Count = 200;
        var topic = Broker.UniqueTopic("reconnect/qos2");
        await using var subscriberProxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 16);
        await using var publisherProxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 17);

        // Both keep their sessions on the broker, which is what lets QoS 2 stay exactly once across connections.
        var tally = new MessageTally(Count);
        await using var subscriber = await Broker.ConnectAsync(Through(subscriberProxy) with { SessionExpiry = TimeSpan.FromMinutes(5) });
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.ExactlyOnce, tally.OnMessageAsync);
        await using var publisher = await Broker.ConnectAsync(Through(publisherProxy) with { SessionExpiry = TimeSpan.FromMinutes(5) });

        // PUBREC (0x50) from the subscriber to the broker, PUBREC to the publisher, PUBREL (0x62) both ways.
        var cuts = new[]
        {
            subscriberProxy.CutAfterNextPacket(ProxyDirection.ClientToUpstream, b => b >> 4 == 5),
            publisherProxy.CutAfterNextPacket(ProxyDirection.UpstreamToClient, b => b >> 4 == 5),
        };
        var publishes = new List<Task<MqttPublishResult>>();
        for (var i = 0; i < Count; i++)
        {
            publishes.Add(publisher.PublishAsync(topic, MessageTally.Payload(i), MqttQualityOfService.ExactlyOnce).AsTask());
            if (i == Count / 2)
            {
                await Task.WhenAll(cuts).WaitAsync(Long);
                cuts =
                [
                    subscriberProxy.CutAfterNextPacket(ProxyDirection.UpstreamToClient, b => b >> 4 == 6, reset: true),
                    publisherProxy.CutAfterNextPacket(ProxyDirection.ClientToUpstream, b => b >> 4 == 6, reset: true),
                ];
            }
        }

        Assert.All(await Task.WhenAll(publishes).WaitAsync(Long), r => Assert.True(r.IsSuccess));
        await Task.WhenAll(cuts).WaitAsync(Long);
        await tally.WaitForAllAsync(Long);
        Assert.Equal(0, tally.Duplicates);
        Assert.True(subscriberProxy.FaultCount(FaultKind.CutAfterPacket) == 2 && publisherProxy.FaultCount(FaultKind.CutAfterPacket) == 2);
    }

    [Fact]
    public async Task Failover_moves_to_the_next_server_when_the_first_goes_away()
    {
        await using var first = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 18);
        await using var second = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 19);
        var options = Broker.Options(fixture, Listener.Plain) with
        {
            Host = "localhost",
            Port = null,
            Servers = [MqttEndpoint.Parse($"mqtt://127.0.0.1:{first.Port}"), MqttEndpoint.Parse($"mqtt://127.0.0.1:{second.Port}")],
            Reconnect = Fast,
        };
        await using var client = await Broker.ConnectAsync(options);
        Assert.Equal(first.Port, client.Endpoint!.Port);
        var connected = new TaskCompletionSource<MqttConnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connected += (_, e) => _ = e.IsReconnect && connected.TrySetResult(e);

        first.RefuseNew(true);
        first.ResetAll();
        var moved = await connected.Task.WaitAsync(Long);
        Assert.Equal(second.Port, moved.Endpoint.Port);
        Assert.Equal(second.Port, client.Endpoint!.Port);
        Assert.True((await client.PublishAsync(Broker.UniqueTopic("failover"), MessageTally.Payload(1), MqttQualityOfService.AtLeastOnce).AsTask().WaitAsync(Long)).IsSuccess);
    }

    [Fact]
    public async Task A_first_connect_fails_fast_by_default_and_keeps_trying_when_asked_to()
    {
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 20);
        proxy.RefuseNew(true);
        await using (var client = new MqttClient(Through(proxy)))
        {
            await Assert.ThrowsAsync<MqttConnectionLostException>(() => client.ConnectAsync().WaitAsync(Long));
            Assert.Equal(MqttClientState.Disconnected, client.State);
        }

        await using var patient = new MqttClient(Through(proxy) with { Reconnect = Fast with { RetryFirstConnect = true } });
        var connecting = patient.ConnectAsync();
        await proxy.WaitForRefusedAsync(3).WaitAsync(Long);
        Assert.False(connecting.IsCompleted);
        Assert.Equal(MqttClientState.Connecting, patient.State);
        proxy.RefuseNew(false);
        await connecting.WaitAsync(Long);
        Assert.Equal(MqttClientState.Connected, patient.State);
    }

    [Fact]
    public async Task After_DisconnectAsync_no_loss_is_reported_even_when_the_broker_closes_at_the_same_moment()
    {
        // Mosquitto closes the socket as soon as it reads DISCONNECT; a cut at the same moment races the client's
        // own close from the other side. Neither may surface as a lost connection, nor start a reconnect.
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 21);
        var reported = 0;
        for (var i = 0; i < 25; i++)
        {
            var client = await Broker.ConnectAsync(Through(proxy));
            client.ConnectionLost += (_, _) => Interlocked.Increment(ref reported);
            client.Disconnected += (_, _) => Interlocked.Increment(ref reported);
            client.Reconnecting += (_, _) => Interlocked.Increment(ref reported);
            var leaving = client.DisconnectAsync();
            if (i % 2 == 0)
            {
                proxy.CutAll();
            }

            await leaving.WaitAsync(Long);
            await client.DisposeAsync();
            Assert.Equal(MqttClientState.Disposed, client.State);
        }

        Assert.Equal(0, reported);
    }
}
