using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Telemetry;

/// <summary>
/// Spans collected by the OpenTelemetry SDK (in-memory exporter) from a publisher and a subscriber in one process,
/// the trace context crossing a real Mosquitto in MQTT 5 user properties.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TracingTests(MosquittoFixture fixture) : IDisposable
{
    private static readonly ActivitySource TestSource = new("SecureMqtt.IntegrationTests.Telemetry");

    private readonly List<Activity> _spans = [];
    private readonly SpanEnded _ended = new();
    private TracerProvider? _tracing;

    private void StartTracing() => _tracing = Sdk.CreateTracerProviderBuilder()
        .AddSource(MqttTelemetry.ActivitySourceName, TestSource.Name)
        .AddInMemoryExporter(_spans)
        .AddProcessor(_ended)
        .Build();

    public void Dispose() => _tracing?.Dispose();

    private async Task<(MqttClient Subscriber, TaskCompletionSource<(MqttMessage Message, Activity? Current)> Handled)> SubscribeAsync(string topic)
    {
        var handled = new TaskCompletionSource<(MqttMessage, Activity?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, (m, _) =>
        {
            handled.TrySetResult((m, Activity.Current));
            return ValueTask.CompletedTask;
        });
        return (subscriber, handled);
    }

    private Activity[] Spans(ActivityKind kind, string name)
    {
        lock (_spans)
        {
            return [.. _spans.Where(s => s.Kind == kind && s.DisplayName == name)];
        }
    }

    [Fact]
    public async Task The_consumer_span_continues_the_producer_span_across_the_broker()
    {
        StartTracing();
        var topic = Broker.UniqueTopic("trace/v5");
        var consumerEnded = _ended.WaitFor(ActivityKind.Consumer, $"process {topic}");
        var (subscriber, handled) = await SubscribeAsync(topic);
        await using var _ = subscriber;
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));

        using (var root = TestSource.StartActivity("application work"))
        {
            Assert.NotNull(root);
            root.TraceStateString = "vendor=42";
            Assert.True((await publisher.PublishAsync(topic, "hello"u8.ToArray(), MqttQualityOfService.AtLeastOnce)).IsSuccess);
        }

        var (message, current) = await handled.Task.WaitAsync(Broker.Timeout);
        var consumer = await consumerEnded.WaitAsync(Broker.Timeout);
        var producer = Assert.Single(Spans(ActivityKind.Producer, $"publish {topic}"));

        // The wire: traceparent names the producer span, tracestate came along from its parent.
        Assert.Equal($"00-{producer.TraceId}-{producer.SpanId}-01", Assert.Single(message.UserProperties, p => p.Name == "traceparent").Value);
        Assert.Equal("vendor=42", Assert.Single(message.UserProperties, p => p.Name == "tracestate").Value);

        // One trace, from the application's span through the publish to the handler.
        Assert.Equal(producer.TraceId, consumer.TraceId);
        Assert.Equal(producer.SpanId, consumer.ParentSpanId);
        Assert.True(consumer.HasRemoteParent);
        Assert.Equal("vendor=42", consumer.TraceStateString);
        Assert.Equal(consumer.SpanId, current?.SpanId);
        Assert.Equal("application work", Assert.Single(_spans, s => s.SpanId == producer.ParentSpanId).DisplayName);

        Assert.Equal("mqtt", producer.GetTagItem("messaging.system"));
        Assert.Equal(topic, producer.GetTagItem("messaging.destination.name"));
        Assert.Equal("send", producer.GetTagItem("messaging.operation.type"));
        Assert.Equal(1, producer.GetTagItem("mqtt.qos"));
        Assert.Equal(fixture.PlainPort, producer.GetTagItem("server.port"));
        Assert.Equal(ActivityStatusCode.Unset, producer.Status);
        Assert.Equal("process", consumer.GetTagItem("messaging.operation.type"));
        Assert.Equal(topic, consumer.GetTagItem("messaging.destination.name"));

        var connects = Spans(ActivityKind.Client, $"connect {fixture.Host}:{fixture.PlainPort}");
        Assert.Equal(2, connects.Length);
        Assert.All(connects, c => Assert.Equal("5", c.GetTagItem("network.protocol.version")));
    }

    [Fact]
    public async Task Under_MQTT_3_1_1_nothing_is_added_and_the_consumer_starts_a_trace_of_its_own()
    {
        StartTracing();
        var topic = Broker.UniqueTopic("trace/v311");
        var consumerEnded = _ended.WaitFor(ActivityKind.Consumer, $"process {topic}");
        var (subscriber, handled) = await SubscribeAsync(topic);
        await using var _ = subscriber;
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, MqttProtocolVersion.V311));

        Assert.True((await publisher.PublishAsync(topic, "old"u8.ToArray(), MqttQualityOfService.AtLeastOnce)).IsSuccess);

        var (message, _) = await handled.Task.WaitAsync(Broker.Timeout);
        var consumer = await consumerEnded.WaitAsync(Broker.Timeout);
        var producer = Assert.Single(Spans(ActivityKind.Producer, $"publish {topic}"));
        Assert.Empty(message.UserProperties);
        Assert.NotEqual(producer.TraceId, consumer.TraceId);
        Assert.Equal(default, consumer.ParentSpanId);
    }

    [Fact]
    public async Task A_traceparent_the_application_set_is_kept_and_becomes_the_consumer_span_parent()
    {
        StartTracing();
        var topic = Broker.UniqueTopic("trace/own");
        var consumerEnded = _ended.WaitFor(ActivityKind.Consumer, $"process {topic}");
        var (subscriber, handled) = await SubscribeAsync(topic);
        await using var _ = subscriber;
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        var own = $"00-{traceId}-{spanId}-01";

        Assert.True((await publisher.PublishAsync(new MqttMessage
        {
            Topic = topic,
            Payload = "mine"u8.ToArray(),
            QualityOfService = MqttQualityOfService.AtLeastOnce,
            UserProperties = [new("traceparent", own), new("site", "north")],
        })).IsSuccess);

        var (message, _) = await handled.Task.WaitAsync(Broker.Timeout);
        var consumer = await consumerEnded.WaitAsync(Broker.Timeout);
        Assert.Equal([new("traceparent", own), new("site", "north")], message.UserProperties);
        Assert.Equal(traceId, consumer.TraceId);
        Assert.Equal(spanId, consumer.ParentSpanId);

        // The publish span is still there, in its own trace: the message carries the application's context, not it.
        Assert.NotEqual(traceId, Assert.Single(Spans(ActivityKind.Producer, $"publish {topic}")).TraceId);
    }

    [Fact]
    public async Task A_message_read_from_ReadMessagesAsync_gets_a_receive_span_in_the_producer_trace()
    {
        StartTracing();
        var topic = Broker.UniqueTopic("trace/read");
        var consumerEnded = _ended.WaitFor(ActivityKind.Consumer, $"receive {topic}");
        await using var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtMostOnce);
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));

        await publisher.PublishAsync(topic, "read"u8.ToArray());

        await subscriber.NextMessageAsync();
        var consumer = await consumerEnded.WaitAsync(Broker.Timeout);
        var producer = Assert.Single(Spans(ActivityKind.Producer, $"publish {topic}"));
        Assert.Equal(producer.SpanId, consumer.ParentSpanId);
        Assert.Equal("receive", consumer.GetTagItem("messaging.operation.type"));
    }

    /// <summary>Signals when a span of a given kind and name ends, so a test awaits it instead of polling the exporter.</summary>
    private sealed class SpanEnded : BaseProcessor<Activity>
    {
        private readonly List<(ActivityKind Kind, string Name, TaskCompletionSource<Activity> Ended)> _waiters = [];

        public Task<Activity> WaitFor(ActivityKind kind, string name)
        {
            var ended = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waiters)
            {
                _waiters.Add((kind, name, ended));
            }

            return ended.Task;
        }

        public override void OnEnd(Activity data)
        {
            lock (_waiters)
            {
                foreach (var waiter in _waiters.Where(w => w.Kind == data.Kind && w.Name == data.DisplayName))
                {
                    waiter.Ended.TrySetResult(data);
                }
            }
        }
    }
}
