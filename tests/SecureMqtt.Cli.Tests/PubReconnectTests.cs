using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>
/// smqtt pub keeps and resends QoS 1/2 messages across lost connections, as mosquitto_pub -l does: the connection
/// to Mosquitto goes through a fault proxy that cuts it right after a PUBACK, three times during the run.
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class PubReconnectTests(MosquittoFixture fixture)
{
    private const int Cuts = 3;

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task Every_line_of_l_reaches_the_broker_across_cuts_and_each_loss_is_one_line_on_stderr(string qos)
    {
        // Below Mosquitto's max_queued_messages (1000): past it the broker itself drops QoS 1/2 for a subscriber behind.
        const int Lines = 900;
        var topic = ListenerArguments.Topic("pub-reconnect");
        var (subscriber, seen, all) = await SubscribeAsync(topic, Lines, MqttQualityOfService.ExactlyOnce);
        await using var subscription = subscriber;
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 31);
        var cuts = CutAfterAcksAsync(proxy, qos == "1" ? 4 : 5);

        var input = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, Lines).Select(i => $"{i}\n")));
        var result = await Smqtt.PubAsync(["-h", "127.0.0.1", "-p", $"{proxy.Port}", "-t", topic, "-q", qos, "-l", "-i", $"pub-l-{Guid.NewGuid():N}"[..20]], input);

        Assert.True(result.ExitCode == 0, result.ToString());
        await cuts.WaitAsync(Smqtt.Timeout);
        await Task.WhenAny(all.Task, Task.Delay(Smqtt.Timeout));
        Assert.True(seen.Count == Lines, $"{Lines - seen.Count} lines never arrived, for example {string.Join(", ", Enumerable.Range(0, Lines).Where(n => !seen.ContainsKey(n)).Take(10))}\n{result}");
        var losses = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Cuts, losses.Length);
        Assert.All(losses, l => Assert.StartsWith("Connection lost: ", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_message_of_repeat_reaches_the_broker_across_cuts()
    {
        const int Repeat = 300;
        var topic = ListenerArguments.Topic("pub-repeat");
        var received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscriber = new MqttClient(new MqttClientOptions { Host = fixture.Host, Port = fixture.PlainPort, ClientId = $"rep-{Guid.NewGuid():N}"[..20] });
        await subscriber.ConnectAsync();
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, (_, _) =>
        {
            if (Interlocked.Increment(ref received) >= Repeat)
            {
                all.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        await using var proxy = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 32);
        var cuts = CutAfterAcksAsync(proxy, 4);

        var result = await Smqtt.PubAsync(["-h", "127.0.0.1", "-p", $"{proxy.Port}", "-t", topic, "-q", "1", "-m", "again", "--repeat", $"{Repeat}"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        await cuts.WaitAsync(Smqtt.Timeout);
        await all.Task.WaitAsync(Smqtt.Timeout);

        // At least once: a message whose PUBACK was cut off is sent again, so the count may exceed the repeat.
        Assert.True(received >= Repeat, $"{received} of {Repeat} arrived");
    }

    /// <summary>Cuts the connection right after a PUBACK (type 4) or PUBREC (type 5) from the broker, <see cref="Cuts"/> times, one after another.</summary>
    private static async Task CutAfterAcksAsync(FaultProxy proxy, int packetType)
    {
        for (var i = 0; i < Cuts; i++)
        {
            await proxy.CutAfterNextPacket(ProxyDirection.UpstreamToClient, b => b >> 4 == packetType);
        }
    }

    private async Task<(MqttClient Client, ConcurrentDictionary<int, int> Seen, TaskCompletionSource All)> SubscribeAsync(string topic, int expected, MqttQualityOfService qos)
    {
        var seen = new ConcurrentDictionary<int, int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var client = new MqttClient(new MqttClientOptions { Host = fixture.Host, Port = fixture.PlainPort, ClientId = $"sub-{Guid.NewGuid():N}"[..20] });
        await client.ConnectAsync();
        await client.SubscribeAsync(topic, qos, (message, _) =>
        {
            var n = int.Parse(Encoding.ASCII.GetString(message.Payload.Span), CultureInfo.InvariantCulture);
            seen.AddOrUpdate(n, 1, (_, c) => c + 1);
            if (seen.Count == expected)
            {
                all.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        return (client, seen, all);
    }
}
