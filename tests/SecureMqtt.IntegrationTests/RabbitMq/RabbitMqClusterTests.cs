using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Testing;
using Xunit.Abstractions;

namespace SecureMqtt.IntegrationTests.RabbitMq;

/// <summary>
/// A two-node RabbitMQ cluster on loopback: a publisher given both nodes moves to the second when the first is
/// stopped mid-stream, every publish is acknowledged by one node or the other, and a subscriber whose queue lives on
/// the surviving node receives everything. What happens to a subscriber whose queue lived on the stopped node is in
/// docs/rabbitmq.md: a classic queue lives on one node, and a quorum queue needs a majority that two nodes lack.
/// </summary>
public sealed class RabbitMqClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [RabbitMqFact]
    public async Task A_qos_1_stream_fails_over_to_the_second_node_when_the_first_is_stopped_and_the_subscriber_there_loses_nothing()
    {
        await using var cluster = await RabbitMqCluster.StartAsync(2);
        var (first, second) = (cluster.Nodes[0], cluster.Nodes[1]);
        MqttEndpoint[] firstThenSecond = [new("127.0.0.1", first.MqttPort), new("127.0.0.1", second.MqttPort)];
        var topic = $"cluster/{Guid.NewGuid():N}";
        var reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaximumDelay = TimeSpan.FromMilliseconds(500) };

        // The subscriber's session, and with it its queue, is made on the second node, the one that stays.
        var received = new ConcurrentDictionary<int, int>();
        await using var subscriber = new MqttClient(new MqttClientOptions
        {
            Servers = [firstThenSecond[1], firstThenSecond[0]],
            ProtocolVersion = MqttProtocolVersion.V311,
            ClientId = $"csub-{Guid.NewGuid():N}"[..20],
            CleanStart = false,
            Reconnect = reconnect,
        });
        await subscriber.ConnectAsync();
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, (message, _) =>
        {
            received.AddOrUpdate(int.Parse(Encoding.ASCII.GetString(message.Payload.Span), CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            return ValueTask.CompletedTask;
        });
        output.WriteLine($"queues before the stop (name, type, home process):\n{await cluster.ListQueuesAsync()}");

        var connectedTo = new ConcurrentQueue<int>();
        await using var publisher = new MqttClient(new MqttClientOptions
        {
            Servers = firstThenSecond,
            ProtocolVersion = MqttProtocolVersion.V311,
            ClientId = $"cpub-{Guid.NewGuid():N}"[..20],
            CleanStart = false,
            Reconnect = reconnect,
        });
        publisher.Connected += (_, e) => connectedTo.Enqueue(e.Endpoint.Port);
        await publisher.ConnectAsync();

        // 200 messages at full speed, then a paced stream while the first node goes down (so some are in flight when
        // it does), then 200 more on the second node.
        var publishes = new List<Task<MqttPublishResult>>();
        using var window = new SemaphoreSlim(50);
        var next = 0;
        async Task PublishAsync()
        {
            await window.WaitAsync(s_timeout);
            var publish = publisher.PublishAsync(new MqttMessage
            {
                Topic = topic,
                QualityOfService = MqttQualityOfService.AtLeastOnce,
                Payload = Encoding.ASCII.GetBytes((next++).ToString(CultureInfo.InvariantCulture)),
            }).AsTask();
            publishes.Add(publish);
            _ = publish.ContinueWith(_ => window.Release(), TaskScheduler.Default);
        }

        for (var i = 0; i < 200; i++)
        {
            await PublishAsync();
        }

        var stopping = first.StopAsync();
        var duringStop = 0;
        while (!stopping.IsCompleted)
        {
            await PublishAsync();
            duringStop++;
            await Task.Delay(5);
        }

        await stopping;
        for (var i = 0; i < 200; i++)
        {
            await PublishAsync();
        }

        var count = next;
        var results = await Task.WhenAll(publishes).WaitAsync(s_timeout);

        Assert.All(results, r => Assert.Equal(MqttReasonCode.Success, r.ReasonCode));
        Assert.Equal([first.MqttPort, second.MqttPort], connectedTo.Distinct());
        using (var wait = new CancellationTokenSource(s_timeout))
        {
            while (received.Count < count)
            {
                await Task.Delay(50, wait.Token);
            }
        }

        var duplicated = received.Values.Sum(n => n - 1);
        output.WriteLine($"published {count} ({duringStop} while the first node stopped), acknowledged {results.Length}, received {received.Count}, " +
            $"lost {count - received.Count}, duplicated {duplicated}, publisher connections {connectedTo.Count}");
        Assert.Equal(Enumerable.Range(0, count), received.Keys.Order());
    }
}
