using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests;

/// <summary>
/// <see cref="MqttClientOptions.PoolIncomingMessages"/> against Mosquitto: received messages are reused, but never
/// while the application may still read them (during its handlers, or until it returns one it read).
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public class PooledReceiveTests(MosquittoFixture fixture)
{
    [Fact]
    public async Task A_handlers_message_is_reused_once_the_handler_finished_and_a_Return_inside_it_changes_nothing()
    {
        var topic = Broker.UniqueTopic("pooled/handler");
        var options = Broker.Options(fixture, Listener.Tls) with { PoolIncomingMessages = true };
        await using var subscriber = await Broker.ConnectAsync(options);
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Tls));
        var pool = subscriber.Supervisor.IncomingPool!;

        var seen = new List<(MqttMessage Message, string Payload, int FreeAfterReturn)>();
        var arrived = new SemaphoreSlim(0);
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, (m, _) =>
        {
            var payload = Encoding.UTF8.GetString(m.Payload.Span);

            // The client holds a handler's message: an early Return must not put it back while it is being read.
            m.Return();
            seen.Add((m, payload, pool.FreeCount));
            arrived.Release();
            return ValueTask.CompletedTask;
        });

        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync(topic, Encoding.UTF8.GetBytes($"message {i}"), MqttQualityOfService.AtLeastOnce);
            Assert.True(await arrived.WaitAsync(Broker.Timeout));
            await WaitForAsync(() => pool.FreeCount == 1);
        }

        // One message at a time, each taken back after its handler: every delivery reused the same object.
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"message {i}"), seen.Select(s => s.Payload));
        Assert.All(seen, s => Assert.Equal(0, s.FreeAfterReturn));
        Assert.Single(seen.Select(s => s.Message).Distinct(ReferenceEqualityComparer.Instance));
    }

    [Fact]
    public async Task A_message_read_by_the_application_stays_intact_until_it_is_returned_and_is_reused_after()
    {
        var topic = Broker.UniqueTopic("pooled/read");
        await using var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Tls) with { PoolIncomingMessages = true });
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Tls));
        var pool = subscriber.Supervisor.IncomingPool!;
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        await publisher.PublishAsync(topic, "first"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        var first = await subscriber.NextMessageAsync();
        await publisher.PublishAsync(topic, "second"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        var second = await subscriber.NextMessageAsync();

        // Held by the application: not reused, payload untouched by the message that came after it.
        Assert.NotSame(first, second);
        Assert.Equal("first", Encoding.UTF8.GetString(first.Payload.Span));
        Assert.Equal("second", Encoding.UTF8.GetString(second.Payload.Span));
        Assert.Equal(0, pool.FreeCount);

        // A copy is the application's own and returns nothing; a second Return is ignored.
        (second with { }).Return();
        Assert.Equal(0, pool.FreeCount);
        first.Return();
        first.Return();
        Assert.Equal(1, pool.FreeCount);

        await publisher.PublishAsync(topic, "third"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        var third = await subscriber.NextMessageAsync();
        Assert.Same(first, third);
        Assert.Equal("third", Encoding.UTF8.GetString(third.Payload.Span));
        Assert.Equal(topic, third.Topic);
        Assert.Equal("second", Encoding.UTF8.GetString(second.Payload.Span));
    }

    [Fact]
    public async Task Without_the_option_every_message_is_its_own_and_Return_does_nothing()
    {
        var topic = Broker.UniqueTopic("pooled/off");
        await using var subscriber = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        Assert.Null(subscriber.Supervisor.IncomingPool);
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtMostOnce);

        await publisher.PublishAsync(topic, "kept"u8.ToArray());
        var kept = await subscriber.NextMessageAsync();
        kept.Return();
        await publisher.PublishAsync(topic, "next"u8.ToArray());
        var next = await subscriber.NextMessageAsync();

        Assert.NotSame(kept, next);
        Assert.Equal("kept", Encoding.UTF8.GetString(kept.Payload.Span));
        Assert.True(MemoryMarshalIsArray(kept.Payload));
    }

    private static bool MemoryMarshalIsArray(ReadOnlyMemory<byte> payload) => System.Runtime.InteropServices.MemoryMarshal.TryGetArray(payload, out _);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Broker.Timeout);
        while (!condition())
        {
            await Task.Delay(5, cts.Token);
        }
    }
}
