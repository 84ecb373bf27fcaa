using System.Security.Authentication;
using SecureMqtt.Tls.OpenSsl.Tests.Support;

namespace SecureMqtt.Tls.OpenSsl.Tests;

/// <summary>The Stream contract over a live Mosquitto PSK session: sync paths, concurrency, cancellation, disposal.</summary>
public class StreamBehaviourTests(MosquittoPskBroker broker) : IClassFixture<MosquittoPskBroker>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Works_through_the_synchronous_read_and_write_overloads()
    {
        await using var tls = await ConnectAsync();

        tls.Write(Mqtt.Connect, 0, Mqtt.Connect.Length);
        var connack = new byte[4];
        tls.ReadExactly(connack);
        Assert.Equal(Mqtt.ConnAckAccepted, connack);

        tls.Write(Mqtt.PingReq);
        tls.Flush();
        var pingresp = new byte[2];
        tls.ReadExactly(pingresp);
        Assert.Equal(Mqtt.PingResp, pingresp);
    }

    [Fact]
    public async Task Keeps_packets_from_concurrent_writers_whole_while_a_reader_runs()
    {
        await using var tls = await ConnectMqttAsync();
        await tls.WriteAsync(Mqtt.SubscribeT);
        Assert.Equal(Mqtt.SubAckT, await Net.ReadExactlyAsync(tls, Mqtt.SubAckT.Length, Wait));

        const int Writers = 4;
        const int PerWriter = 50;
        using var cts = new CancellationTokenSource(Wait * 2);
        var reader = Task.Run(async () =>
        {
            var payloads = new List<string>();
            var header = new byte[2];
            while (payloads.Count < Writers * PerWriter)
            {
                await tls.ReadExactlyAsync(header, cts.Token);
                Assert.Equal(0x30, header[0]);
                var body = new byte[header[1]];
                await tls.ReadExactlyAsync(body, cts.Token);
                payloads.Add(System.Text.Encoding.ASCII.GetString(body, 3, body.Length - 3));
            }

            return payloads;
        });
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                await tls.WriteAsync(Mqtt.PublishT($"w{w}-m{i:D3}"), cts.Token);
            }
        }));
        await Task.WhenAll(writers);

        var received = await reader;

        Assert.Equal(Writers * PerWriter, received.Distinct().Count());
        for (var w = 0; w < Writers; w++)
        {
            // QoS 0 over one connection keeps each writer's order.
            var mine = received.Where(p => p.StartsWith($"w{w}-", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, PerWriter).Select(i => $"w{w}-m{i:D3}"), mine);
        }
    }

    [Fact]
    public async Task Stays_usable_after_a_cancelled_read()
    {
        await using var tls = await ConnectMqttAsync();
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await tls.ReadExactlyAsync(new byte[1], cts.Token));
        }

        await tls.WriteAsync(Mqtt.PingReq);
        Assert.Equal(Mqtt.PingResp, await Net.ReadExactlyAsync(tls, 2, Wait));
    }

    [Fact]
    public async Task Disposes_twice_without_error_and_then_refuses_io()
    {
        var tls = await ConnectMqttAsync();

        await tls.DisposeAsync();
        await tls.DisposeAsync();
        tls.Dispose();

        Assert.False(tls.CanRead);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await tls.WriteAsync(Mqtt.PingReq));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await tls.ReadExactlyAsync(new byte[2]));
    }

    [Fact]
    public async Task Leaves_the_inner_stream_open_when_asked()
    {
        var inner = await Net.ConnectAsync(broker.PskPort);
        await using (inner)
        {
            var tls = await PskTlsStream.ConnectAsync(inner, Options() with { LeaveInnerStreamOpen = true });
            await tls.DisposeAsync();

            Assert.True(inner.CanRead);
        }
    }

    private PskTlsClientOptions Options() => new()
    {
        Identity = MosquittoPskBroker.Identity,
        Key = PskTlsClientOptions.ParseHexKey(MosquittoPskBroker.HexKey),
        MaximumVersion = SslProtocols.Tls13,
        HandshakeTimeout = Wait,
    };

    private async Task<PskTlsStream> ConnectAsync() =>
        await PskTlsStream.ConnectAsync(await Net.ConnectAsync(broker.PskPort), Options());

    private async Task<PskTlsStream> ConnectMqttAsync()
    {
        var tls = await ConnectAsync();
        await tls.WriteAsync(Mqtt.Connect);
        Assert.Equal(Mqtt.ConnAckAccepted, await Net.ReadExactlyAsync(tls, Mqtt.ConnAckAccepted.Length, Wait));
        return tls;
    }
}
