using System.Diagnostics;
using SecureMqtt.Packets;

namespace SecureMqtt.Benchmarks.EndToEnd;

/// <summary>One throughput measurement: who published, who subscribed, and what it cost.</summary>
internal sealed record ThroughputResult(string Transport, string Pair, MqttQualityOfService QoS, int Size, int Count, TimeSpan Elapsed,
    double? AllocatedPerMessage, string AllocatedBy, double OwnCpuPercent, double BrokerCpuPercent, string? Error)
{
    public double MessagesPerSecond => Count / Elapsed.TotalSeconds;

    public double MegabytesPerSecond => Count * (double)Size / Elapsed.TotalSeconds / 1e6;
}

/// <summary>
/// The four publisher/subscriber pairings. Allocation is process-wide (GC.GetTotalAllocatedBytes), so the
/// publisher's cost is measured against mosquitto_sub and the subscriber's against mosquitto_pub: then only one
/// of our clients runs in the process.
/// </summary>
internal sealed class ThroughputRuns(BenchOptions options, int? brokerPid, Func<string, TimeSpan, CancellationToken, Task> waitForSubscription, string workDirectory)
{
    private int _sequence;

    public async Task<ThroughputResult> OursToOursAsync(BenchEndpoint endpoint, MqttQualityOfService qos, int size, int count)
    {
        var topic = NextTopic();
        using var cts = new CancellationTokenSource(options.RunTimeout);
        var counter = new Counter();
        await using var subscriber = new MqttClient(endpoint.ClientOptions($"bench-sub-{_sequence}"));
        await using var publisher = new MqttClient(endpoint.ClientOptions($"bench-pub-{_sequence}"));
        try
        {
            await subscriber.ConnectAsync(cts.Token);
            await subscriber.SubscribeAsync(topic, qos, counter.OnMessage, cts.Token);
            await publisher.ConnectAsync(cts.Token);
            var payload = new byte[size];
            await PublishManyAsync(publisher, topic, payload, qos, options.Warmup, cts.Token);
            await counter.WaitForAsync(options.Warmup, cts.Token);
            var (allocated, cpu) = (GC.GetTotalAllocatedBytes(true), CpuSample.Take(brokerPid));
            await PublishManyAsync(publisher, topic, payload, qos, count, cts.Token);
            await counter.WaitForAsync(options.Warmup + count, cts.Token);
            return Result(endpoint, "smqtt -> smqtt", qos, size, count, cpu, PerMessage(allocated, count), "pub+sub");
        }
        catch (OperationCanceledException)
        {
            return Failed(endpoint, "smqtt -> smqtt", qos, size, count, $"timeout: {counter.Value} of {options.Warmup + count} arrived");
        }
    }

    public async Task<ThroughputResult> OursToMosquittoSubAsync(BenchEndpoint endpoint, MqttQualityOfService qos, int size, int count)
    {
        var topic = NextTopic();
        var subscriberId = $"benchsub-c{_sequence}";
        using var cts = new CancellationTokenSource(options.RunTimeout);
        using var subscriber = MosquittoClients.StartSubscriber(endpoint, subscriberId, topic, qos, options.Warmup + count);
        await using var publisher = new MqttClient(endpoint.ClientOptions($"bench-pub-{_sequence}"));
        try
        {
            await waitForSubscription(subscriberId, options.RunTimeout, cts.Token);
            await publisher.ConnectAsync(cts.Token);
            var payload = new byte[size];
            await PublishManyAsync(publisher, topic, payload, qos, options.Warmup, cts.Token);
            var (allocated, cpu) = (GC.GetTotalAllocatedBytes(true), CpuSample.Take(brokerPid));
            await PublishManyAsync(publisher, topic, payload, qos, count, cts.Token);
            var perMessage = PerMessage(allocated, count);
            await MosquittoClients.WaitAsync(subscriber, cts.Token);
            return Result(endpoint, "smqtt -> mosquitto_sub", qos, size, count, cpu, perMessage, "pub");
        }
        catch (OperationCanceledException)
        {
            return Failed(endpoint, "smqtt -> mosquitto_sub", qos, size, count, "timeout");
        }
        finally
        {
            MosquittoClients.Kill(subscriber);
        }
    }

    public async Task<ThroughputResult> MosquittoPubToOursAsync(BenchEndpoint endpoint, MqttQualityOfService qos, int size, int count)
    {
        var topic = NextTopic();
        using var cts = new CancellationTokenSource(options.RunTimeout);
        var counter = new Counter();
        await using var subscriber = new MqttClient(endpoint.ClientOptions($"bench-sub-{_sequence}"));
        try
        {
            await subscriber.ConnectAsync(cts.Token);
            await subscriber.SubscribeAsync(topic, qos, counter.OnMessage, cts.Token);
            await MosquittoClients.PublishLinesAsync(endpoint, topic, qos, MosquittoClients.WriteLinesFile(workDirectory, size, options.Warmup), cts.Token);
            await counter.WaitForAsync(options.Warmup, cts.Token);
            var lines = MosquittoClients.WriteLinesFile(workDirectory, size, count);
            var (allocated, cpu) = (GC.GetTotalAllocatedBytes(true), CpuSample.Take(brokerPid));
            await MosquittoClients.PublishLinesAsync(endpoint, topic, qos, lines, cts.Token);
            await counter.WaitForAsync(options.Warmup + count, cts.Token);
            return Result(endpoint, "mosquitto_pub -> smqtt", qos, size, count, cpu, PerMessage(allocated, count), "sub");
        }
        catch (OperationCanceledException)
        {
            return Failed(endpoint, "mosquitto_pub -> smqtt", qos, size, count, $"timeout: {counter.Value} of {options.Warmup + count} arrived");
        }
    }

    public async Task<ThroughputResult> MosquittoPubToMosquittoSubAsync(BenchEndpoint endpoint, MqttQualityOfService qos, int size, int count)
    {
        var topic = NextTopic();
        var subscriberId = $"benchsub-c{_sequence}";
        using var cts = new CancellationTokenSource(options.RunTimeout);
        var lines = MosquittoClients.WriteLinesFile(workDirectory, size, count);
        using var subscriber = MosquittoClients.StartSubscriber(endpoint, subscriberId, topic, qos, count);
        try
        {
            await waitForSubscription(subscriberId, options.RunTimeout, cts.Token);
            var cpu = CpuSample.Take(brokerPid);
            await MosquittoClients.PublishLinesAsync(endpoint, topic, qos, lines, cts.Token);
            await MosquittoClients.WaitAsync(subscriber, cts.Token);
            return Result(endpoint, "mosquitto_pub -> mosquitto_sub", qos, size, count, cpu, null, "-");
        }
        catch (OperationCanceledException)
        {
            return Failed(endpoint, "mosquitto_pub -> mosquitto_sub", qos, size, count, "timeout");
        }
        finally
        {
            MosquittoClients.Kill(subscriber);
        }
    }

    /// <summary>Publishes without waiting for each acknowledgement: QoS 0 awaits only buffering, QoS 1/2 complete together.</summary>
    private async Task PublishManyAsync(MqttClient publisher, string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qos, int count,
        CancellationToken cancellationToken)
    {
        if (qos != MqttQualityOfService.AtMostOnce && options.Window > 0)
        {
            await PublishWindowedAsync(publisher, topic, payload, qos, count, options.Window, cancellationToken);
            return;
        }

        if (qos == MqttQualityOfService.AtMostOnce)
        {
            for (var i = 0; i < count; i++)
            {
                await publisher.PublishAsync(topic, payload, qos, cancellationToken: cancellationToken);
            }

            return;
        }

        var pending = new Task[count];
        for (var i = 0; i < count; i++)
        {
            pending[i] = publisher.PublishAsync(topic, payload, qos, cancellationToken: cancellationToken).AsTask();
        }

        await Task.WhenAll(pending);
    }

    /// <summary>At most <paramref name="window"/> QoS 1/2 publishes outstanding, as an application bounding its in-flight set would.</summary>
    private static async Task PublishWindowedAsync(MqttClient publisher, string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qos, int count,
        int window, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(window);
        var pending = new Task[count];
        for (var i = 0; i < count; i++)
        {
            await gate.WaitAsync(cancellationToken);
            pending[i] = ReleaseWhenDoneAsync(publisher.PublishAsync(topic, payload, qos, cancellationToken: cancellationToken), gate);
        }

        await Task.WhenAll(pending);

        static async Task ReleaseWhenDoneAsync(ValueTask<MqttPublishResult> publish, SemaphoreSlim gate)
        {
            try
            {
                await publish;
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private ThroughputResult Result(BenchEndpoint endpoint, string pair, MqttQualityOfService qos, int size, int count, CpuSample start,
        double? perMessage, string allocatedBy)
    {
        var end = CpuSample.Take(brokerPid);
        var (own, broker) = CpuSample.Percent(start, end);
        return new ThroughputResult(endpoint.Name, pair, qos, size, count, Stopwatch.GetElapsedTime(start.Ticks, end.Ticks), perMessage, allocatedBy,
            own, broker, null);
    }

    private static double PerMessage(long allocatedAtStart, int count) => (GC.GetTotalAllocatedBytes(true) - allocatedAtStart) / (double)count;

    private static ThroughputResult Failed(BenchEndpoint endpoint, string pair, MqttQualityOfService qos, int size, int count, string error) =>
        new(endpoint.Name, pair, qos, size, count, TimeSpan.Zero, null, "-", 0, 0, error);

    private string NextTopic() => $"bench/{Environment.ProcessId}/{Interlocked.Increment(ref _sequence)}";

    /// <summary>Counts arrivals in the subscription handler and wakes the waiter when the target is reached.</summary>
    private sealed class Counter
    {
        private int _value;
        private int _target = int.MaxValue;
        private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Value => Volatile.Read(ref _value);

        public ValueTask OnMessage(MqttMessage message, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _value) >= Volatile.Read(ref _target))
            {
                _reached.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }

        public async Task WaitForAsync(int target, CancellationToken cancellationToken)
        {
            _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _target, target);
            if (Value >= target)
            {
                return;
            }

            await _reached.Task.WaitAsync(cancellationToken);
        }
    }
}
