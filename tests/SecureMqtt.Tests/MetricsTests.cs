using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

/// <summary>The instruments are process-wide: tests that read them run alone, and each filters by its broker's port.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}

/// <summary>
/// What only a misbehaving or scripted peer can show: protocol errors, and a publish latency measured on a fake
/// clock, so the value asserted is exact. The instruments against a real broker are in the integration tests.
/// </summary>
[Collection(MetricsCollection.Name)]
public class MetricsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static MetricCollector<T> Collect<T>(string instrument)
        where T : struct => new(null, MqttTelemetry.MeterName, instrument);

    private static bool OnPort<T>(CollectedMeasurement<T> m, int port)
        where T : struct => m.Tags.TryGetValue("server.port", out var p) && p is int value && value == port;

    /// <summary>
    /// The per-message recordings build their tags on the stack from values made once: nothing is allocated per
    /// message, whether anyone listens or not. GC.GetAllocatedBytesForCurrentThread is an exact count, not a timing.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Per_message_measurements_allocate_nothing(bool listening)
    {
        using var listener = new MeterListener();
        long seen = 0;
        if (listening)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == MqttTelemetry.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref seen));
            listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref seen));
            listener.Start();
        }

        var endpoint = new EndpointTags("broker.example", 8883);
        var message = new MqttMessage { Topic = "sensors/1", Payload = new byte[16], QualityOfService = MqttQualityOfService.AtLeastOnce };
        var elapsed = TimeSpan.FromMilliseconds(1);
        void RecordOneMessage()
        {
            MqttMetrics.RecordSent(message, endpoint);
            MqttMetrics.RecordReceived(MqttQualityOfService.AtMostOnce, 16, endpoint);
            MqttMetrics.RecordNetworkIo(40, sent: true, endpoint);
            MqttMetrics.RecordPublishDuration(elapsed, MqttQualityOfService.AtLeastOnce, MqttReasonCode.Success, endpoint);
        }

        RecordOneMessage();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            RecordOneMessage();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        // At least these 6 measurements a message reached the listener (a client of an earlier test may add more).
        Assert.True(listening ? Interlocked.Read(ref seen) >= 1001 * 6 : seen == 0, $"{seen} measurements");
    }

    [Fact]
    public async Task Bytes_sent_and_received_are_counted_the_right_way_round()
    {
        using var io = Collect<long>("mqtt.client.network.io");
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;
        await client.PublishAsync("big", new byte[20_000]);
        Assert.Equal(20_000, (await broker.ReadAsync<MqttPublishPacket>()).Payload.Length);

        long Sum(string direction) => io.GetMeasurementSnapshot()
            .Where(m => OnPort(m, broker.Port) && Equals(m.Tags["network.io.direction"], direction)).Sum(m => m.Value);

        // The counter moves once the flush loop's stream write returned, which can be after the broker has read the
        // bytes: wait for it rather than read it at once.
        // The count is taken before the sum: a measurement landing between the two then ends the next wait at once,
        // where counting after the sum would wait for one more that never comes.
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var count = io.GetMeasurementSnapshot().Count;
            if (Sum("transmit") >= 20_000)
            {
                break;
            }

            await io.WaitForMeasurementsAsync(count + 1).WaitAsync(cts.Token);
        }

        // 20 kB went out, only a CONNACK came in.
        Assert.InRange(Sum("transmit"), 20_000, 20_100);
        Assert.InRange(Sum("receive"), 1, 100);
        Assert.All(io.GetMeasurementSnapshot().Where(m => OnPort(m, broker.Port)), m =>
        {
            Assert.Equal("mqtt", m.Tags["messaging.system"]);
            Assert.Equal("127.0.0.1", m.Tags["server.address"]);
        });
    }

    [Fact]
    public async Task A_protocol_violation_by_the_broker_is_counted_by_reason_code()
    {
        using var errors = Collect<long>("mqtt.client.protocol.errors");
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { TopicAliasMaximum = 5 });
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, _) => lost.TrySetResult();
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        await broker.SendAsync(new MqttPublishPacket { Topic = "t", TopicAlias = 9, Payload = new byte[] { 1 } });
        await lost.Task.WaitAsync(Timeout);

        var error = Assert.Single(errors.GetMeasurementSnapshot(), m => OnPort(m, broker.Port));
        Assert.Equal(1, error.Value);
        Assert.Equal(nameof(MqttReasonCode.TopicAliasInvalid), error.Tags["error.type"]);
        Assert.Equal("mqtt", error.Tags["messaging.system"]);
    }

    [Fact]
    public async Task A_second_CONNACK_is_counted_as_a_protocol_error()
    {
        using var errors = Collect<long>("mqtt.client.protocol.errors");
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, _) => lost.TrySetResult();
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        await broker.SendAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success });
        await lost.Task.WaitAsync(Timeout);

        Assert.Equal(nameof(MqttReasonCode.ProtocolError), Assert.Single(errors.GetMeasurementSnapshot(), m => OnPort(m, broker.Port)).Tags["error.type"]);
    }

    [Theory]
    [InlineData(MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttQualityOfService.ExactlyOnce)]
    public async Task Publish_latency_runs_from_the_PUBLISH_to_the_acknowledgement_that_ends_the_flow(MqttQualityOfService qos)
    {
        using var latency = Collect<double>("messaging.client.operation.duration");
        var time = new FakeTimeProvider();
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { TimeProvider = time });
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        var publish = client.PublishAsync("latency", new byte[] { 1 }, qos).AsTask();
        var packet = await broker.ReadAsync<MqttPublishPacket>();
        time.Advance(TimeSpan.FromMilliseconds(250));
        if (qos == MqttQualityOfService.ExactlyOnce)
        {
            await broker.SendAckAsync(MqttPacketType.PubRec, packet.PacketId);
            await broker.ReadAsync<MqttAckPacket>();
            time.Advance(TimeSpan.FromMilliseconds(50));
            await broker.SendAckAsync(MqttPacketType.PubComp, packet.PacketId);
        }
        else
        {
            await broker.SendAckAsync(MqttPacketType.PubAck, packet.PacketId);
        }

        Assert.True((await publish.WaitAsync(Timeout)).IsSuccess);
        var measured = Assert.Single(latency.GetMeasurementSnapshot(), m => OnPort(m, broker.Port));
        Assert.Equal(qos == MqttQualityOfService.ExactlyOnce ? 0.3 : 0.25, measured.Value, 6);
        Assert.Equal((int)qos, measured.Tags["mqtt.qos"]);
        Assert.Equal("publish", measured.Tags["messaging.operation.name"]);
        Assert.Equal("send", measured.Tags["messaging.operation.type"]);
        Assert.False(measured.Tags.ContainsKey("error.type"));
    }

    [Fact]
    public async Task A_PUBACK_with_a_failing_reason_code_is_tagged_with_it()
    {
        using var latency = Collect<double>("messaging.client.operation.duration");
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        var publish = client.PublishAsync("refused", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask();
        var packet = await broker.ReadAsync<MqttPublishPacket>();
        await broker.SendAckAsync(MqttPacketType.PubAck, packet.PacketId, MqttReasonCode.NotAuthorized);

        Assert.False((await publish.WaitAsync(Timeout)).IsSuccess);
        Assert.Equal(nameof(MqttReasonCode.NotAuthorized), Assert.Single(latency.GetMeasurementSnapshot(), m => OnPort(m, broker.Port)).Tags["error.type"]);
    }
}
