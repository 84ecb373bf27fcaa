using System.Buffers;
using SecureMqtt.Packets;
using SecureMqtt.Testing;
using SecureMqtt.Transport.Proxies;

namespace SecureMqtt.IntegrationTests.Proxies;

/// <summary>
/// Tunnels through real proxies (tinyproxy for HTTP CONNECT, Dante for SOCKS5) to a real Mosquitto: the stream
/// <see cref="ProxyConnector"/> returns carries an MQTT CONNECT/CONNACK by hand, and each way a proxy can say no
/// arrives as its own <see cref="MqttProxyFailureKind"/>.
/// </summary>
[Collection(ProxyLab.CollectionName)]
public class ProxyTunnelTests(ProxyLab lab)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Mosquitto_accepts_an_mqtt_connect_through_tinyproxy(string target)
    {
        var proxy = Options(MqttProxyKind.Http, lab.Http.Port);

        await AssertMqttConnectsAsync(proxy, target, lab.Http.Output);
    }

    [Fact]
    public async Task Mosquitto_accepts_an_mqtt_connect_through_tinyproxy_with_basic_authentication()
    {
        var proxy = Options(MqttProxyKind.Http, lab.HttpWithAuth.Port, new MqttCredentials(ProxyLab.HttpUser, ProxyLab.HttpPassword));

        await AssertMqttConnectsAsync(proxy, "127.0.0.1", lab.HttpWithAuth.Output);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Mosquitto_accepts_an_mqtt_connect_through_dante_without_authentication(string target)
    {
        // "localhost" goes as a name (ATYP 3): Dante resolves it.
        var proxy = Options(MqttProxyKind.Socks5, lab.Socks.Port);

        await AssertMqttConnectsAsync(proxy, target, lab.Socks.Output);
    }

    [Fact]
    public async Task Mosquitto_accepts_an_mqtt_connect_through_dante_with_a_user_name_and_password()
    {
        var proxy = Options(MqttProxyKind.Socks5, lab.SocksWithAuth.Port, new MqttCredentials(DanteServer.TestUserName, DanteServer.TestPassword));

        await AssertMqttConnectsAsync(proxy, "127.0.0.1", lab.SocksWithAuth.Output);
    }

    [Fact]
    public async Task A_proxy_url_as_users_write_it_tunnels_to_mosquitto()
    {
        var proxy = MqttProxyOptions.Parse($"socks5h://{DanteServer.TestUserName}:{DanteServer.TestPassword}@127.0.0.1:{lab.SocksWithAuth.Port}");

        await AssertMqttConnectsAsync(proxy, "localhost", lab.SocksWithAuth.Output);
    }

    [Fact]
    public async Task Tinyproxy_rejecting_the_password_is_an_authentication_failure()
    {
        var error = await FailAsync(Options(MqttProxyKind.Http, lab.HttpWithAuth.Port, new MqttCredentials(ProxyLab.HttpUser, "wrong")), lab.BrokerPort);

        Assert.Equal(MqttProxyFailureKind.AuthenticationFailed, error.Kind);
        Assert.Contains(error.ProxyStatusCode, new int?[] { 401, 407 }); // tinyproxy 1.11 answers a wrong password with 401
        Assert.Contains("rejected the user name or password", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
        Assert.DoesNotContain("wrong", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tinyproxy_demanding_credentials_that_were_not_given_is_an_authentication_failure()
    {
        var error = await FailAsync(Options(MqttProxyKind.Http, lab.HttpWithAuth.Port), lab.BrokerPort);

        Assert.Equal(MqttProxyFailureKind.AuthenticationFailed, error.Kind);
        Assert.Contains("requires authentication", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dante_rejecting_the_password_is_an_authentication_failure()
    {
        var error = await FailAsync(Options(MqttProxyKind.Socks5, lab.SocksWithAuth.Port, new MqttCredentials(DanteServer.TestUserName, "wrong")), lab.BrokerPort);

        Assert.Equal(MqttProxyFailureKind.AuthenticationFailed, error.Kind);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Dante_demanding_credentials_that_were_not_given_is_an_authentication_failure()
    {
        var error = await FailAsync(Options(MqttProxyKind.Socks5, lab.SocksWithAuth.Port), lab.BrokerPort);

        Assert.Equal(MqttProxyFailureKind.AuthenticationFailed, error.Kind);
        Assert.Equal(0xFF, error.ProxyStatusCode);
    }

    [Fact]
    public async Task Tinyproxy_refusing_a_port_outside_its_connect_ports_is_a_refusal()
    {
        var error = await FailAsync(Options(MqttProxyKind.Http, lab.Http.Port), lab.ForbiddenPort);

        Assert.Equal(MqttProxyFailureKind.Refused, error.Kind);
        Assert.Equal(403, error.ProxyStatusCode);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task A_dante_rule_blocking_the_target_is_a_refusal_by_ruleset()
    {
        var error = await FailAsync(Options(MqttProxyKind.Socks5, lab.Socks.Port), lab.ForbiddenPort);

        Assert.Equal(MqttProxyFailureKind.Refused, error.Kind);
        Assert.Equal(2, error.ProxyStatusCode);
        Assert.Contains("rules do not allow", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MqttProxyKind.Http)]
    [InlineData(MqttProxyKind.Socks5)]
    public async Task A_target_nobody_listens_on_is_refused_by_the_proxy(MqttProxyKind kind)
    {
        var port = kind == MqttProxyKind.Http ? lab.Http.Port : lab.Socks.Port;

        var error = await FailAsync(Options(kind, port), lab.ClosedPort);

        Assert.Equal(MqttProxyFailureKind.Refused, error.Kind);
        if (kind == MqttProxyKind.Socks5)
        {
            Assert.Equal(5, error.ProxyStatusCode); // connection refused
        }
    }

    [Theory]
    [InlineData(MqttProxyKind.Http)]
    [InlineData(MqttProxyKind.Socks5)]
    public async Task A_proxy_port_nobody_listens_on_is_unreachable(MqttProxyKind kind)
    {
        var error = await FailAsync(Options(kind, lab.ClosedPort), lab.BrokerPort);

        Assert.Equal(MqttProxyFailureKind.Unreachable, error.Kind);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Speaking_http_to_a_socks5_proxy_is_a_protocol_error_not_a_hang()
    {
        var error = await FailAsync(Options(MqttProxyKind.Http, lab.Socks.Port), lab.BrokerPort);

        Assert.True(error.Kind is MqttProxyFailureKind.ProtocolError or MqttProxyFailureKind.Refused, error.ToString());
    }

    private static MqttProxyOptions Options(MqttProxyKind kind, int port, MqttCredentials? credentials = null) => new()
    {
        Kind = kind,
        Host = "127.0.0.1",
        Port = port,
        Credentials = credentials,
        HandshakeTimeout = Deadline,
    };

    private static async Task<MqttProxyException> FailAsync(MqttProxyOptions proxy, int targetPort)
        => await Assert.ThrowsAsync<MqttProxyException>(async () =>
        {
            await using var stream = await ProxyConnector.ConnectAsync(proxy, "127.0.0.1", targetPort, CancellationToken.None).AsTask().WaitAsync(Deadline);
        });

    private async Task AssertMqttConnectsAsync(MqttProxyOptions proxy, string target, string proxyOutput)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        await using var stream = await ProxyConnector.ConnectAsync(proxy, target, lab.BrokerPort, deadline.Token);

        var connect = new MqttConnectPacket { ClientId = "proxy-" + Guid.NewGuid().ToString("N")[..10], CleanStart = true, KeepAliveSeconds = 30 };
        var output = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(output, connect, MqttProtocolVersion.V500);
        await stream.WriteAsync(output.WrittenMemory, deadline.Token);

        var received = new List<byte>();
        var chunk = new byte[256];
        MqttPacket? packet;
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(received.ToArray());
            if (MqttPacketReader.TryRead(ref sequence, MqttProtocolVersion.V500, 1024 * 1024, out packet))
            {
                break;
            }

            var read = await stream.ReadAsync(chunk, deadline.Token);
            Assert.True(read > 0, $"The tunnel closed before CONNACK.\n{proxyOutput}");
            received.AddRange(chunk.AsSpan(0, read));
        }

        var connAck = Assert.IsType<MqttConnAckPacket>(packet);
        Assert.Equal(MqttReasonCode.Success, connAck.ReasonCode);
    }
}
