using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Proxies;

/// <summary>
/// The proxies in front of the fixture broker's listeners: tinyproxy with Basic authentication and Dante with and
/// without user name authentication, all real processes on free loopback ports, free to reach any port.
/// </summary>
public sealed class ClientProxies : IAsyncLifetime
{
    private TinyproxyServer? _http;
    private DanteServer? _socks;
    private DanteServer? _socksWithAuth;

    public TinyproxyServer Http => _http ?? throw new InvalidOperationException("Not initialized.");

    public DanteServer Socks => _socks ?? throw new InvalidOperationException("Not initialized.");

    public DanteServer SocksWithAuth => _socksWithAuth ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        var http = TinyproxyServer.StartAsync([], (ProxyLab.HttpUser, ProxyLab.HttpPassword));
        var socks = DanteServer.StartAsync(requireUserName: false);
        var socksWithAuth = DanteServer.StartAsync(requireUserName: true);
        try
        {
            await Task.WhenAll(http, socks, socksWithAuth);
        }
        finally
        {
            _http = http.IsCompletedSuccessfully ? http.Result : null;
            _socks = socks.IsCompletedSuccessfully ? socks.Result : null;
            _socksWithAuth = socksWithAuth.IsCompletedSuccessfully ? socksWithAuth.Result : null;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var disposable in new IAsyncDisposable?[] { _http, _socks, _socksWithAuth })
        {
            if (disposable is not null)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    /// <summary>The proxy URL of one of the three, as a user would write it.</summary>
    public string Url(string which) => which switch
    {
        "http" => $"http://{ProxyLab.HttpUser}:{ProxyLab.HttpPassword}@127.0.0.1:{Http.Port}",
        "socks5" => $"socks5://127.0.0.1:{Socks.Port}",
        "socks5-auth" => $"socks5h://{DanteServer.TestUserName}:{DanteServer.TestPassword}@127.0.0.1:{SocksWithAuth.Port}",
        _ => throw new ArgumentOutOfRangeException(nameof(which), which, null),
    };
}

/// <summary>
/// <see cref="MqttClient"/> with <see cref="MqttClientOptions.Proxy"/> against the fixture Mosquitto: plain and TLS
/// through each proxy, TLS verified against the broker's own name (so TLS runs end to end inside the tunnel), and
/// each way the proxy can fail arriving from ConnectAsync as a <see cref="MqttProxyException"/>, never as a TLS error.
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public class ClientThroughProxyTests(MosquittoFixture fixture, ClientProxies proxies) : IClassFixture<ClientProxies>
{
    public static TheoryData<string, Listener> Cases()
    {
        var data = new TheoryData<string, Listener>();
        foreach (var proxy in new[] { "http", "socks5", "socks5-auth" })
        {
            data.Add(proxy, Listener.Plain);
            data.Add(proxy, Listener.Tls);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_qos_1_message_makes_the_round_trip_through_the_proxy(string proxy, Listener listener)
    {
        // "localhost" travels to the proxy as a name; the broker's certificate must carry it for TLS to verify.
        var options = Broker.Options(fixture, listener) with { Host = "localhost", Proxy = MqttProxyOptions.Parse(proxies.Url(proxy)) };
        await using var client = await Broker.ConnectAsync(options);
        var topic = Broker.UniqueTopic($"proxy/{proxy}/{listener}");
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        var published = await client.PublishAsync(topic, "through the tunnel"u8.ToArray(), MqttQualityOfService.AtLeastOnce);

        Assert.Equal(MqttReasonCode.Success, published.ReasonCode);
        var received = await client.NextMessageAsync();
        Assert.Equal("through the tunnel"u8.ToArray(), received.Payload.ToArray());
        Assert.Equal(MqttQualityOfService.AtLeastOnce, received.QualityOfService);
        if (listener == Listener.Tls)
        {
            Assert.NotNull(client.TlsInfo);
            Assert.True(client.TlsInfo!.ServerCertificateVerified);
        }
    }

    [Fact]
    public async Task A_proxy_of_the_endpoint_is_used_in_place_of_the_clients()
    {
        var unreachable = MqttProxyOptions.Parse($"socks5://127.0.0.1:{FreePort.Next()}");
        var endpoint = new MqttEndpoint("127.0.0.1", fixture.PlainPort) { Proxy = MqttProxyOptions.Parse(proxies.Url("socks5")) };
        var options = Broker.Options(fixture, Listener.Plain) with { Host = "localhost", Port = null, Servers = [endpoint], Proxy = unreachable };

        await using var client = await Broker.ConnectAsync(options);

        Assert.Equal(MqttClientState.Connected, client.State);
    }

    [Theory]
    [InlineData("http", Listener.Tls)]
    [InlineData("socks5-auth", Listener.Tls)]
    [InlineData("socks5-auth", Listener.Plain)]
    public async Task A_wrong_proxy_password_is_a_proxy_authentication_failure_not_a_tls_error(string proxy, Listener listener)
    {
        var right = MqttProxyOptions.Parse(proxies.Url(proxy));
        var options = Broker.Options(fixture, listener) with { Proxy = right with { Credentials = new MqttCredentials(right.Credentials!.UserName, "wrong-password") } };
        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAsync<MqttProxyException>(() => client.ConnectAsync());

        Assert.Equal(MqttProxyFailureKind.AuthenticationFailed, error.Kind);
        Assert.False(error.IsTransient);
        Assert.DoesNotContain("wrong-password", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http", Listener.Tls)]
    [InlineData("socks5", Listener.Plain)]
    public async Task A_proxy_nobody_listens_on_is_unreachable(string scheme, Listener listener)
    {
        var options = Broker.Options(fixture, listener) with { Proxy = MqttProxyOptions.Parse($"{scheme}://127.0.0.1:{FreePort.Next()}") };
        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAsync<MqttProxyException>(() => client.ConnectAsync());

        Assert.Equal(MqttProxyFailureKind.Unreachable, error.Kind);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Invalid_proxy_settings_are_refused_at_connect_naming_the_option()
    {
        var options = Broker.Options(fixture, Listener.Plain) with
        {
            Proxy = new MqttProxyOptions { Kind = MqttProxyKind.Socks5, Host = "127.0.0.1", Port = 0 },
        };

        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());

        Assert.Contains("option Proxy.Port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_broker_connection_is_cut_the_client_reconnects_through_the_proxy()
    {
        // Client -> Dante -> fault proxy -> Mosquitto: cutting at the fault proxy ends the tunnel as a broker restart would.
        await using var cutter = await FaultProxy.StartAsync(fixture.Host, fixture.PlainPort, seed: 71);
        var options = Broker.Options(fixture, Listener.Plain) with
        {
            Port = cutter.Port,
            Proxy = MqttProxyOptions.Parse(proxies.Url("socks5-auth")),
            Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaximumDelay = TimeSpan.FromMilliseconds(200) },
        };
        await using var client = await Broker.ConnectAsync(options);
        var reconnected = new TaskCompletionSource<MqttConnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first connect's Connected event is raised off the read loop and may come after ConnectAsync returned:
        // only a reconnect counts here.
        client.Connected += (_, e) =>
        {
            if (e.IsReconnect)
            {
                reconnected.TrySetResult(e);
            }
        };

        Assert.Equal(1, cutter.CutAll());
        var again = await reconnected.Task.WaitAsync(Broker.Timeout);

        Assert.True(again.IsReconnect);
        Assert.Equal(2, cutter.ConnectionsAccepted);
        // Nobody subscribes to the topic: the broker's PUBACK (0x10 No matching subscribers) proves the new tunnel carries MQTT.
        var published = await client.PublishAsync(Broker.UniqueTopic("proxy/reconnect"), "again"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        Assert.Equal(MqttReasonCode.NoMatchingSubscribers, published.ReasonCode);
    }
}
