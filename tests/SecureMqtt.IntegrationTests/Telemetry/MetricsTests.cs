using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Telemetry;

/// <summary>The meter "SecureMqtt" read with MetricCollector while real clients talk to Mosquitto.</summary>
[Collection(TelemetryCollection.Name)]
public class MetricsTests(MosquittoFixture fixture)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(null, MqttTelemetry.MeterName, instrument);

    private static IReadOnlyList<CollectedMeasurement<T>> On<T>(MetricCollector<T> collector, int port)
        where T : struct => [.. collector.GetMeasurementSnapshot().Where(m => m.Tags.TryGetValue("server.port", out var p) && p is int v && v == port)];

    private static long Sum(IEnumerable<CollectedMeasurement<long>> measurements, MqttQualityOfService qos) =>
        measurements.Where(m => Equals(m.Tags["mqtt.qos"], (int)qos)).Sum(m => m.Value);

    [Fact]
    public async Task Messages_payload_bytes_latency_and_handshakes_are_measured_over_TLS()
    {
        using var sent = Collect<long>("messaging.client.sent.messages");
        using var sentBytes = Collect<long>("mqtt.client.sent.payload");
        using var consumed = Collect<long>("messaging.client.consumed.messages");
        using var consumedBytes = Collect<long>("mqtt.client.received.payload");
        using var latency = Collect<double>("messaging.client.operation.duration");
        using var handshakes = Collect<double>("mqtt.client.tls.handshake.duration");
        using var connects = Collect<double>("mqtt.client.connect.duration");
        using var connections = Collect<long>("mqtt.client.connections");

        var topic = Broker.UniqueTopic("metrics/tls");
        await using var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Tls));
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Tls));
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.ExactlyOnce);
        foreach (var qos in Enum.GetValues<MqttQualityOfService>())
        {
            Assert.True((await publisher.PublishAsync(topic, new byte[10 * ((int)qos + 1)], qos)).IsSuccess);
            Assert.Equal(qos, (await subscriber.NextMessageAsync()).QualityOfService);
        }

        var port = fixture.TlsPort;
        foreach (var qos in Enum.GetValues<MqttQualityOfService>())
        {
            Assert.Equal(1, Sum(On(sent, port), qos));
            Assert.Equal(10 * ((int)qos + 1), Sum(On(sentBytes, port), qos));
            Assert.Equal(1, Sum(On(consumed, port), qos));
            Assert.Equal(10 * ((int)qos + 1), Sum(On(consumedBytes, port), qos));
        }

        Assert.All(On(sent, port), m =>
        {
            Assert.Equal("mqtt", m.Tags["messaging.system"]);
            Assert.Equal("publish", m.Tags["messaging.operation.name"]);
            Assert.Equal("send", m.Tags["messaging.operation.type"]);
            Assert.Equal(fixture.Host, m.Tags["server.address"]);
            Assert.False(m.Tags.ContainsKey("messaging.destination.name"), "topics stay out of metrics: their cardinality is unbounded");
        });
        Assert.All(On(consumed, port), m => Assert.Equal("receive", m.Tags["messaging.operation.name"]));

        // QoS 1 and 2 were acknowledged, QoS 0 has nothing to time.
        var timed = On(latency, port);
        Assert.Equal([1, 2], timed.Select(m => (int)m.Tags["mqtt.qos"]!).Order());
        Assert.All(timed, m => Assert.InRange(m.Value, 1e-6, Long.TotalSeconds));

        Assert.Equal(2, On(handshakes, port).Count);
        Assert.All(On(handshakes, port), m =>
        {
            Assert.Contains(m.Tags["tls.protocol.version"], new object[] { "1.2", "1.3" });
            Assert.False(m.Tags.ContainsKey("error.type"));
            Assert.InRange(m.Value, 1e-6, Long.TotalSeconds);
        });

        // The connect includes the handshake, so each connect took at least as long as some handshake.
        Assert.Equal(2, On(connects, port).Count);
        Assert.All(On(connects, port), m =>
        {
            Assert.Equal("5", m.Tags["network.protocol.version"]);
            Assert.False(m.Tags.ContainsKey("error.type"));
            Assert.True(m.Value >= On(handshakes, port).Min(h => h.Value));
        });
        Assert.Equal(2, On(connections, port).Sum(m => m.Value));
    }

    [Fact]
    public async Task A_failed_TLS_handshake_is_timed_and_tagged_with_the_kind_of_failure()
    {
        using var handshakes = Collect<double>("mqtt.client.tls.handshake.duration");
        using var connects = Collect<double>("mqtt.client.connect.duration");

        // No CA file: the system's trust store does not know the fixture's CA.
        await using var client = new MqttClient(Broker.Options(fixture, Listener.Tls) with { Tls = new MqttTlsOptions() });
        var failure = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());

        var handshake = Assert.Single(On(handshakes, fixture.TlsPort));
        Assert.Equal(failure.Kind.ToString(), handshake.Tags["error.type"]);
        Assert.Equal(failure.Kind.ToString(), Assert.Single(On(connects, fixture.TlsPort)).Tags["error.type"]);
    }

    [Fact]
    public async Task States_in_flight_queued_dropped_and_reconnects_follow_a_lost_connection()
    {
        using var states = Collect<long>("mqtt.client.connection.state");
        using var inFlight = Collect<long>("mqtt.client.inflight");
        using var queued = Collect<long>("mqtt.client.queued");
        using var dropped = Collect<long>("mqtt.client.dropped.messages");
        using var reconnects = Collect<long>("mqtt.client.reconnects");

        // The observable instruments add up every client in the process: read them as changes from here.
        long Observe(MetricCollector<long> collector, string? tag = null, string? value = null)
        {
            collector.RecordObservableInstruments();
            return collector.GetMeasurementSnapshot(clear: true).Last(m => tag is null || Equals(m.Tags[tag], value)).Value;
        }

        long Connected() => Observe(states, "mqtt.client.state", "connected");
        long Reconnecting() => Observe(states, "mqtt.client.state", "reconnecting");
        long Offline() => Observe(queued, "mqtt.queue", "offline");

        var (connected0, reconnecting0, inFlight0, offline0) = (Connected(), Reconnecting(), Observe(inFlight), Offline());
        var topic = Broker.UniqueTopic("metrics/offline");
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 31);
        var options = Broker.Options(fixture, Listener.Plain) with
        {
            Port = proxy.Port,
            Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaximumDelay = TimeSpan.FromMilliseconds(200) },
            OfflineQueue = new MqttOfflineQueueOptions { DropAtMostOnce = true },
        };
        await using var client = await Broker.ConnectAsync(options);
        Assert.Equal(connected0 + 1, Connected());

        // Stalled: the PUBLISH goes out and its PUBACK never comes back.
        proxy.Stall(true);
        var stalled = client.PublishAsync(topic, new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask();
        Assert.Equal(inFlight0 + 1, Observe(inFlight));

        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Reconnecting += (_, _) => reconnecting.TrySetResult();
        client.Connected += (_, e) => _ = e.IsReconnect && reconnected.TrySetResult();
        proxy.Stall(false);
        proxy.RefuseNew(true);
        proxy.CutAll();
        await reconnecting.Task.WaitAsync(Long);
        Assert.Equal(reconnecting0 + 1, Reconnecting());
        Assert.Equal(connected0, Connected());

        // Offline: QoS 0 is dropped (DropAtMostOnce), QoS 1 waits in the queue.
        Assert.True((await client.PublishAsync(topic, new byte[] { 2 })).Dropped);
        var drop = Assert.Single(dropped.GetMeasurementSnapshot());
        Assert.Equal("offline", drop.Tags["mqtt.queue"]);
        Assert.Equal("offline_at_most_once", drop.Tags["error.type"]);
        var waiting = client.PublishAsync(topic, new byte[] { 3 }, MqttQualityOfService.AtLeastOnce).AsTask();
        Assert.Equal(offline0 + 1, Offline());

        proxy.RefuseNew(false);
        await reconnected.Task.WaitAsync(Long);
        Assert.True((await stalled.WaitAsync(Long)).IsSuccess);
        Assert.True((await waiting.WaitAsync(Long)).IsSuccess);
        Assert.Equal(1, Assert.Single(reconnects.GetMeasurementSnapshot(), m => Equals(m.Tags["server.port"], proxy.Port)).Value);
        Assert.Equal(connected0 + 1, Connected());
        Assert.Equal(inFlight0, Observe(inFlight));
        Assert.Equal(offline0, Offline());
    }
}
