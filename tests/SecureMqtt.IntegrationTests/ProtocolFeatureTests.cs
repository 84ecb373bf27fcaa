using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Session;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests;

[Collection(MosquittoFixture.CollectionName)]
public class ProtocolFeatureTests(MosquittoFixture fixture)
{
    public static TheoryData<MqttProtocolVersion> Versions => new() { MqttProtocolVersion.V311, MqttProtocolVersion.V500 };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_retained_message_is_delivered_to_a_later_subscriber(MqttProtocolVersion version)
    {
        var topic = Broker.UniqueTopic("retained");
        await using (var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, version)))
        {
            await publisher.PublishAsync(topic, "last value"u8.ToArray(), MqttQualityOfService.AtLeastOnce, retain: true);
        }

        await using var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, version));
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        var message = await subscriber.NextMessageAsync();
        Assert.True(message.Retain);
        Assert.Equal("last value", Encoding.UTF8.GetString(message.Payload.Span));

        // An empty retained message clears it [MQTT-3.3.1-10].
        await subscriber.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task The_will_is_published_after_an_abnormal_disconnect_but_not_after_DISCONNECT(MqttProtocolVersion version)
    {
        var willTopic = Broker.UniqueTopic("will");
        await using var watcher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, version));
        await watcher.SubscribeAsync(willTopic, MqttQualityOfService.AtLeastOnce);
        var will = new MqttMessage { Topic = willTopic, Payload = "device gone"u8.ToArray(), QualityOfService = MqttQualityOfService.AtLeastOnce };

        // A clean DISCONNECT discards the will [MQTT-3.1.2-10].
        await using (var polite = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, version) with { Will = will with { Payload = "polite"u8.ToArray() } }))
        {
            await polite.DisconnectAsync();
        }

        var device = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, version) with { Will = will });
        await device.AbortAsync();
        await device.DisposeAsync();

        var received = await watcher.NextMessageAsync();
        Assert.Equal(willTopic, received.Topic);
        Assert.Equal("device gone", Encoding.UTF8.GetString(received.Payload.Span));
    }

    [Fact]
    public async Task MQTT5_will_properties_and_will_delay_are_carried()
    {
        var willTopic = Broker.UniqueTopic("will5");
        await using var watcher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await watcher.SubscribeAsync(willTopic, MqttQualityOfService.AtLeastOnce);
        var device = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain) with
        {
            Will = new MqttMessage
            {
                Topic = willTopic,
                Payload = "{\"online\":false}"u8.ToArray(),
                QualityOfService = MqttQualityOfService.AtLeastOnce,
                ContentType = "application/json",
                UserProperties = [new MqttUserProperty("reason", "crash")],
            },
            WillDelay = TimeSpan.FromSeconds(1),
            SessionExpiry = TimeSpan.FromSeconds(10),
        });
        await device.AbortAsync();
        await device.DisposeAsync();

        var received = await watcher.NextMessageAsync();
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal([new MqttUserProperty("reason", "crash")], received.UserProperties);
    }

    [Fact]
    public async Task MQTT5_message_properties_round_trip()
    {
        var topic = Broker.UniqueTopic("props");
        await using var client = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Tls));
        await client.SubscribeAsync(topic, MqttQualityOfService.ExactlyOnce);
        var sent = new MqttMessage
        {
            Topic = topic,
            Payload = "{\"t\":21.5}"u8.ToArray(),
            QualityOfService = MqttQualityOfService.ExactlyOnce,
            PayloadFormat = MqttPayloadFormatIndicator.Utf8,
            MessageExpiry = TimeSpan.FromSeconds(300),
            ContentType = "application/json",
            ResponseTopic = topic + "/reply",
            CorrelationData = new byte[] { 1, 2, 3, 4 },
            UserProperties = [new MqttUserProperty("unit", "celsius"), new MqttUserProperty("unit", "duplicate-allowed")],
        };
        var result = await client.PublishAsync(sent);
        Assert.Equal(MqttReasonCode.Success, result.ReasonCode);

        var received = await client.NextMessageAsync();
        Assert.Equal(MqttPayloadFormatIndicator.Utf8, received.PayloadFormat);
        Assert.InRange(received.MessageExpiry!.Value, TimeSpan.FromSeconds(290), TimeSpan.FromSeconds(300));
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal(topic + "/reply", received.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, received.CorrelationData!.Value.ToArray());
        Assert.Equal(sent.UserProperties, received.UserProperties);
    }

    [Fact]
    public async Task Subscription_identifiers_are_reported_on_received_messages()
    {
        var topic = Broker.UniqueTopic("subid");
        await using var client = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        Assert.True(client.ConnectResult!.SubscriptionIdentifiersAvailable);
        await client.SubscribeAsync([new MqttSubscription(topic, MqttQualityOfService.AtLeastOnce)], subscriptionIdentifier: 42);
        await client.PublishAsync(topic, "x"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        Assert.Equal([42u], (await client.NextMessageAsync()).SubscriptionIdentifiers);
    }

    [Fact]
    public async Task No_local_subscriptions_do_not_receive_own_messages()
    {
        var topic = Broker.UniqueTopic("nolocal");
        var marker = Broker.UniqueTopic("marker");
        await using var client = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await client.SubscribeAsync([new MqttSubscription(topic, MqttQualityOfService.AtLeastOnce) { NoLocal = true }, new MqttSubscription(marker, MqttQualityOfService.AtLeastOnce)]);
        await client.PublishAsync(topic, "own"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        await client.PublishAsync(marker, "m"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        Assert.Equal(marker, (await client.NextMessageAsync()).Topic);
    }

    [Fact]
    public async Task Keep_alive_exchange_keeps_a_quiet_connection_alive_past_its_keep_alive()
    {
        // 2 s rather than 1 s leaves the PINGREQ a second of slack before Mosquitto's 1.5x deadline, so a loaded
        // machine that runs the keep-alive timer late does not fail the test (with 1 s it did, under CPU load).
        await using var client = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Tls) with { KeepAlive = TimeSpan.FromSeconds(2) });
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, e) => lost.TrySetResult(e);
        var afterConnAck = client.BytesReceived;

        // Mosquitto drops a client silent for 1.5x its keep-alive (3 s); only PINGREQ keeps this one connected for 4 s.
        var ended = await Task.WhenAny(lost.Task, Task.Delay(TimeSpan.FromSeconds(4)));
        Assert.NotSame(lost.Task, ended);
        Assert.True(client.IsConnected);
        Assert.True(client.BytesReceived - afterConnAck >= 2, "at least one PINGRESP (2 bytes) arrived; nothing else was due");
        Assert.True((await client.PublishAsync(Broker.UniqueTopic("ka"), "x"u8.ToArray(), MqttQualityOfService.AtLeastOnce)).IsSuccess);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_resumed_session_is_present_and_its_subscription_still_delivers(MqttProtocolVersion version)
    {
        var topic = Broker.UniqueTopic("session");
        var clientId = "resume-" + Guid.NewGuid().ToString("N")[..8];
        var store = new MqttInMemorySessionStore();
        var options = Broker.Options(fixture, Listener.Plain, version, clientId) with
        {
            CleanStart = false,
            SessionStore = store,
            SessionExpiry = version == MqttProtocolVersion.V500 ? TimeSpan.FromMinutes(5) : TimeSpan.Zero,
        };

        // CleanStart false from the start: under 3.1.1 a clean session is also discarded when it ends.
        await using (var first = await Broker.ConnectAsync(options))
        {
            Assert.False(first.ConnectResult!.SessionPresent);
            await first.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        }

        // Published while the client is away: the broker queues it in the session.
        await using (var other = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, version)))
        {
            await other.PublishAsync(topic, "while away"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        }

        await using var resumed = await Broker.ConnectAsync(options);
        Assert.True(resumed.ConnectResult!.SessionPresent);
        Assert.Equal("while away", Encoding.UTF8.GetString((await resumed.NextMessageAsync()).Payload.Span));

        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, version));
        await publisher.PublishAsync(topic, "after resume"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        Assert.Equal("after resume", Encoding.UTF8.GetString((await resumed.NextMessageAsync()).Payload.Span));
    }

    [Fact]
    public async Task An_empty_client_id_gets_a_broker_assigned_identifier()
    {
        await using var client = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain) with { ClientId = string.Empty });
        var assigned = client.ConnectResult!.AssignedClientIdentifier;
        Assert.False(string.IsNullOrEmpty(assigned));
        Assert.Equal(assigned, client.ClientId);
    }

    [Fact]
    public async Task Many_concurrent_QoS1_publishes_all_complete_within_the_broker_receive_maximum()
    {
        var topic = Broker.UniqueTopic("flow");
        await using var client = await Broker.ConnectAsync(Broker.Options(fixture, Listener.MutualTls));
        var receiveMaximum = client.ConnectResult!.ReceiveMaximum;
        Assert.True(receiveMaximum < 500, $"Mosquitto announces a receive maximum ({receiveMaximum}) below the burst");

        var results = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => client.PublishAsync(topic, BitConverter.GetBytes(i), MqttQualityOfService.AtLeastOnce).AsTask()))
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Equal(500, results.Length);
        Assert.True(client.IsConnected);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task QoS1_publishes_made_faster_than_the_broker_acknowledges_reach_a_subscriber_in_the_order_they_were_made(MqttProtocolVersion version)
    {
        // More publishes than in-flight slots, none awaited before the next: slots freed by PUBACKs are handed to the
        // waiting publishes on the thread pool, and each must still go out in its place. (500 stays under Mosquitto's
        // default max_queued_messages of 1000 for the subscriber, so the broker drops none.)
        var topic = Broker.UniqueTopic("order");
        await using var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, version));
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.MutualTls, version));

        for (var round = 0; round < 4; round++)
        {
            var publishes = Enumerable.Range(0, 500).Select(i => publisher.PublishAsync(topic, BitConverter.GetBytes(i), MqttQualityOfService.AtLeastOnce).AsTask()).ToArray();
            var received = new List<int>();
            for (var i = 0; i < publishes.Length; i++)
            {
                received.Add(BitConverter.ToInt32((await subscriber.NextMessageAsync()).Payload.Span));
            }

            Assert.All(await Task.WhenAll(publishes).WaitAsync(Broker.Timeout), r => Assert.True(r.IsSuccess));
            Assert.Equal(Enumerable.Range(0, 500), received);
        }
    }

    [Fact]
    public async Task A_session_taken_over_by_another_connection_raises_connection_lost_on_the_first()
    {
        var options = Broker.Options(fixture, Listener.Plain);
        await using var first = await Broker.ConnectAsync(options);
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        first.ConnectionLost += (_, e) => lost.TrySetResult(e);

        await using var second = await Broker.ConnectAsync(options);
        var e = await lost.Task.WaitAsync(Broker.Timeout);
        // Mosquitto 2.0 closes the old connection without a DISCONNECT 0x8E; the DISCONNECT-with-reason path is
        // covered against the in-process peer (MisbehavingBrokerTests).
        Assert.IsType<MqttConnectionLostException>(e.Exception);
        Assert.False(first.IsConnected);
        Assert.True(second.IsConnected);
    }

    [Fact]
    public async Task Outgoing_and_incoming_topic_aliases_carry_the_full_topic_end_to_end()
    {
        var topic = Broker.UniqueTopic("alias");
        await using var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain) with { TopicAliasMaximum = 10 });
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain) with { UseOutgoingTopicAliases = true });
        Assert.True(publisher.ConnectResult!.TopicAliasMaximum > 0, "Mosquitto accepts topic aliases");

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await publisher.PublishAsync(topic, new[] { (byte)i }, MqttQualityOfService.AtLeastOnce)).IsSuccess);
        }

        for (var i = 0; i < 3; i++)
        {
            var message = await subscriber.NextMessageAsync();
            Assert.Equal(topic, message.Topic);
            Assert.Equal(i, message.Payload.Span[0]);
        }
    }
}
