using System.Diagnostics.Metrics;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}

[Collection(MetricsCollection.Name)]
public class MetricsTests
{
    [Fact]
    public async Task Bytes_sent_and_received_are_counted_the_right_way_round()
    {
        long sent = 0, received = 0, messagesSent = 0;
        var allSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "SecureMqtt")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "mqtt.client.bytes.sent":
                    if (Interlocked.Add(ref sent, value) >= 20_000)
                    {
                        allSent.TrySetResult();
                    }

                    break;
                case "mqtt.client.bytes.received": Interlocked.Add(ref received, value); break;
                case "mqtt.client.messages.sent": Interlocked.Add(ref messagesSent, value); break;
            }
        });
        listener.Start();

        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;
        await client.PublishAsync("big", new byte[20_000]);
        Assert.Equal(20_000, (await broker.ReadAsync<MqttPublishPacket>()).Payload.Length);

        // The counter moves once the flush loop's stream write returned, which can be after the broker has read the
        // bytes: wait for it rather than read it at once (that race failed this test now and then).
        await allSent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // 20 kB went out, only a CONNACK came in.
        Assert.True(Interlocked.Read(ref sent) >= 20_000, $"sent {sent}");
        Assert.InRange(Interlocked.Read(ref received), 1, 100);
        Assert.True(Interlocked.Read(ref messagesSent) >= 1);
    }
}
