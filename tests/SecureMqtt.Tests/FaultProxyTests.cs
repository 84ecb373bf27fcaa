using System.Net;
using System.Net.Sockets;
using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Tests;

/// <summary>A plain anonymous Mosquitto on a free loopback port, shared by the proxy tests of one class.</summary>
public sealed class PlainMosquitto : IAsyncLifetime
{
    private MosquittoBroker? _broker;

    public int Port { get; } = FreePort.Next();

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync([new MosquittoListener { Port = Port }]);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

public sealed class FaultProxyTests(PlainMosquitto mosquitto) : IClassFixture<PlainMosquitto>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Relays_bytes_both_ways_and_counts_them()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", echo.Port, seed: 1);
        using var client = await ConnectRawAsync(proxy.Port);

        var reply = await RoundTripAsync(client, "hello through the proxy");

        Assert.Equal("hello through the proxy", reply);
        Assert.Equal(1, proxy.ConnectionsAccepted);
        Assert.Equal(23, proxy.BytesClientToUpstream);
        Assert.Equal(23, proxy.BytesUpstreamToClient);
        Assert.Equal(0, proxy.FaultsInjected);
    }

    [Fact]
    public async Task An_mqtt_client_completes_a_qos1_round_trip_through_the_proxy()
    {
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", mosquitto.Port, seed: 2);
        await using var client = await ConnectMqttAsync(proxy);

        var message = await QoS1RoundTripAsync(client, "relayed");

        Assert.Equal("relayed", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.True(proxy.BytesClientToUpstream > 0 && proxy.BytesUpstreamToClient > 0);
    }

    [Fact]
    public async Task CutAll_makes_the_client_see_a_lost_connection()
    {
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", mosquitto.Port, seed: 3);
        await using var client = await ConnectMqttAsync(proxy);
        var lost = WatchConnectionLost(client);

        Assert.Equal(1, proxy.CutAll());

        var e = await lost.WaitAsync(Timeout);
        Assert.IsType<MqttConnectionLostException>(e.Exception);
        Assert.False(client.IsConnected);
        Assert.Equal(1, proxy.FaultCount(FaultKind.Close));
    }

    [Fact]
    public async Task ResetAll_resets_the_client_side_of_the_connection()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", echo.Port, seed: 4);
        using var client = await ConnectRawAsync(proxy.Port);
        await RoundTripAsync(client, "up");

        Assert.Equal(1, proxy.ResetAll());

        var error = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            using var cts = new CancellationTokenSource(Timeout);
            await client.ReceiveAsync(new byte[16], SocketFlags.None, cts.Token);
        });
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    [Fact]
    public async Task A_stalled_connection_is_declared_dead_by_a_one_second_keep_alive()
    {
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", mosquitto.Port, seed: 5);
        await using var client = await ConnectMqttAsync(proxy, keepAlive: TimeSpan.FromSeconds(1));
        var lost = WatchConnectionLost(client);

        proxy.Stall(true);

        var e = await lost.WaitAsync(Timeout);
        Assert.Contains("keep-alive", e.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(1, proxy.FaultCount(FaultKind.Stall));
    }

    [Fact]
    public async Task Fragmentation_delivers_the_echo_intact_in_many_small_reads()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", echo.Port, seed: 6);
        proxy.Fragment(ProxyDirection.Both);
        using var client = await ConnectRawAsync(proxy.Port);
        var text = new string('x', 60) + "end";

        var reply = await RoundTripAsync(client, text);

        Assert.Equal(text, reply);
        Assert.True(echo.Reads > 1, $"The echo server read the fragmented message in {echo.Reads} read(s).");
    }

    [Fact]
    public async Task Fragmentation_in_both_directions_still_delivers_a_qos1_publish_round_trip()
    {
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", mosquitto.Port, seed: 7);
        proxy.Fragment(ProxyDirection.Both);
        await using var client = await ConnectMqttAsync(proxy);

        var message = await QoS1RoundTripAsync(client, "fragmented payload of a few dozen bytes");

        Assert.Equal("fragmented payload of a few dozen bytes", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal(MqttQualityOfService.AtLeastOnce, message.QualityOfService);
    }

    [Fact]
    public async Task A_delay_holds_every_chunk_back_for_at_least_the_delay()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", echo.Port, seed: 8);
        proxy.Delay(ProxyDirection.UpstreamToClient, TimeSpan.FromMilliseconds(200));
        using var client = await ConnectRawAsync(proxy.Port);

        var started = TimeProvider.System.GetTimestamp();
        var reply = await RoundTripAsync(client, "slow");

        Assert.Equal("slow", reply);
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(150));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CutAfterNextPacket_delivers_the_matching_packet_and_nothing_after_it(bool fragmented)
    {
        await using var echo = EchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", echo.Port, seed: 9);
        if (fragmented)
        {
            proxy.Fragment(ProxyDirection.Both);
        }

        var cut = proxy.CutAfterNextPacket(ProxyDirection.UpstreamToClient, b => b == 0x50);
        using var client = await ConnectRawAsync(proxy.Port);

        // PINGREQ, PUBLISH QoS 0 (topic "a", no payload), PUBREC for id 1, then a PINGREQ that must not arrive.
        byte[] beforeCut = [0xC0, 0x00, 0x30, 0x03, 0x00, 0x01, 0x61, 0x50, 0x02, 0x00, 0x01];
        await client.SendAsync(beforeCut.Concat<byte>([0xC0, 0x00]).ToArray(), SocketFlags.None);

        await cut.WaitAsync(Timeout);
        var received = await ReadToEndAsync(client);
        Assert.Equal(beforeCut, received);
        Assert.Equal(1, proxy.FaultCount(FaultKind.CutAfterPacket));
    }

    [Fact]
    public async Task CutAfterNextPacket_on_pubrec_fails_a_qos2_publish_through_mosquitto()
    {
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", mosquitto.Port, seed: 10);
        await using var client = await ConnectMqttAsync(proxy);
        var lost = WatchConnectionLost(client);
        var cut = proxy.CutAfterNextPacket(ProxyDirection.UpstreamToClient, b => b >> 4 == 5);

        var publish = client.PublishAsync("proxy/qos2/" + Guid.NewGuid().ToString("N"), "x"u8.ToArray(), MqttQualityOfService.ExactlyOnce).AsTask();

        await cut.WaitAsync(Timeout);
        await Assert.ThrowsAnyAsync<MqttException>(() => publish.WaitAsync(Timeout));
        await lost.WaitAsync(Timeout);
    }

    [Fact]
    public async Task RefuseNew_closes_new_connections_until_it_is_lifted()
    {
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", mosquitto.Port, seed: 11);
        proxy.RefuseNew(true);
        await using (var refused = new MqttClient(Options(proxy)))
        {
            await Assert.ThrowsAnyAsync<MqttException>(() => refused.ConnectAsync().WaitAsync(Timeout));
        }

        Assert.Equal(1, proxy.ConnectionsRefused);
        proxy.RefuseNew(false);
        await using var accepted = await ConnectMqttAsync(proxy);
        Assert.True(accepted.IsConnected);
        Assert.Equal(2, proxy.ConnectionsAccepted);
    }

    [Fact]
    public async Task Chaos_with_a_fixed_seed_injects_the_same_faults_in_the_same_order()
    {
        await using var echo = EchoServer.Start();
        var mix = FaultMix.All with
        {
            StallDuration = TimeSpan.FromMilliseconds(20),
            FragmentationDuration = TimeSpan.FromMilliseconds(20),
            DelayDuration = TimeSpan.FromMilliseconds(20),
        };
        await using var first = await FaultProxy.StartAsync("127.0.0.1", echo.Port, seed: 42);
        await using var second = await FaultProxy.StartAsync("127.0.0.1", echo.Port, seed: 42);
        using var cts = new CancellationTokenSource(Timeout);

        first.StartChaos(mix, TimeSpan.FromMilliseconds(10));
        second.StartChaos(mix, TimeSpan.FromMilliseconds(10));
        await Task.WhenAll(first.WaitForFaultsAsync(12, cts.Token), second.WaitForFaultsAsync(12, cts.Token));
        await first.StopChaosAsync();
        await second.StopChaosAsync();

        var kinds = first.InjectedFaults.Take(12).ToList();
        Assert.Equal(kinds, second.InjectedFaults.Take(12));
        Assert.True(kinds.Distinct().Count() > 1, string.Join(", ", kinds));
        Assert.Equal(first.FaultsInjected, Enum.GetValues<FaultKind>().Sum(first.FaultCount));
    }

    [Fact]
    public async Task Chaos_that_only_closes_ends_an_open_connection()
    {
        await using var echo = EchoServer.Start();
        await using var proxy = await FaultProxy.StartAsync("127.0.0.1", echo.Port, seed: 12);
        using var client = await ConnectRawAsync(proxy.Port);
        await RoundTripAsync(client, "before");

        proxy.StartChaos(new FaultMix { Close = 1, Reset = 0, Stall = 0, Fragmentation = 0, Delay = 0 }, TimeSpan.FromMilliseconds(20));

        Assert.Empty(await ReadToEndAsync(client));

        // The proxy counts a fault once it has closed the sockets, so the count may trail the end of the stream.
        await proxy.WaitForFaultsAsync(1).WaitAsync(Timeout);
        Assert.True(proxy.FaultCount(FaultKind.Close) >= 1);
    }

    private static MqttClientOptions Options(FaultProxy proxy, TimeSpan? keepAlive = null) => new()
    {
        Host = "127.0.0.1",
        Port = proxy.Port,
        ClientId = "proxy-" + Guid.NewGuid().ToString("N")[..12],
        KeepAlive = keepAlive ?? TimeSpan.FromSeconds(60),
        ConnectTimeout = Timeout,
        // These tests check that the client sees each fault; reconnecting through the proxy is ReconnectTests' subject.
        Reconnect = MqttReconnectOptions.Disabled,
    };

    private static async Task<MqttClient> ConnectMqttAsync(FaultProxy proxy, TimeSpan? keepAlive = null)
    {
        var client = new MqttClient(Options(proxy, keepAlive));
        try
        {
            await client.ConnectAsync();
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private static async Task<MqttMessage> QoS1RoundTripAsync(MqttClient client, string payload)
    {
        var topic = "proxy/" + Guid.NewGuid().ToString("N");
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        await client.PublishAsync(topic, Encoding.UTF8.GetBytes(payload), MqttQualityOfService.AtLeastOnce);
        using var cts = new CancellationTokenSource(Timeout);
        await foreach (var message in client.ReadMessagesAsync(cts.Token))
        {
            return message;
        }

        throw new InvalidOperationException("The message channel ended.");
    }

    private static Task<MqttConnectionLostEventArgs> WatchConnectionLost(MqttClient client)
    {
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, e) => lost.TrySetResult(e);
        return lost.Task;
    }

    private static async Task<Socket> ConnectRawAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return socket;
    }

    private static async Task<string> RoundTripAsync(Socket client, string text)
    {
        var sent = Encoding.UTF8.GetBytes(text);
        await client.SendAsync(sent, SocketFlags.None);
        var received = new byte[sent.Length];
        using var cts = new CancellationTokenSource(Timeout);
        for (var at = 0; at < received.Length;)
        {
            var n = await client.ReceiveAsync(received.AsMemory(at), SocketFlags.None, cts.Token);
            Assert.NotEqual(0, n);
            at += n;
        }

        return Encoding.UTF8.GetString(received);
    }

    private static async Task<byte[]> ReadToEndAsync(Socket client)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var all = new List<byte>();
        var buffer = new byte[256];
        while (await client.ReceiveAsync(buffer, SocketFlags.None, cts.Token) is var n && n > 0)
        {
            all.AddRange(buffer.AsSpan(0, n));
        }

        return [.. all];
    }

    /// <summary>Echoes every byte back on loopback and counts the reads it needed; closes its side on the client's FIN.</summary>
    private sealed class EchoServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _connections = [];
        private Task _accept = Task.CompletedTask;
        private int _reads;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Reads => Volatile.Read(ref _reads);

        public static EchoServer Start()
        {
            var server = new EchoServer();
            server._listener.Start();
            server._accept = server.AcceptAsync();
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accept;
            Task[] connections;
            lock (_connections)
            {
                connections = [.. _connections];
            }

            await Task.WhenAll(connections).WaitAsync(Timeout);
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    lock (_connections)
                    {
                        _connections.Add(EchoAsync(socket));
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        private async Task EchoAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[4096];
                try
                {
                    while (await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token) is var n && n > 0)
                    {
                        Interlocked.Increment(ref _reads);
                        await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _stop.Token);
                    }

                    socket.Shutdown(SocketShutdown.Send);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException)
                {
                    // The proxy cut or reset this connection, or the test is over.
                }
            }
        }
    }
}
