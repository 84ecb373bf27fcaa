using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>Handshake-level rows of the matrix: not TLS, no common version, silent peer, closed mid-handshake, no common cipher.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class HandshakeFailureTests(MosquittoFixture fixture) : IAsyncLifetime
{
    private readonly TlsLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lab.DisposeAsync().AsTask();

    [Fact]
    public async Task Plain_MQTT_port_is_detected_by_its_CONNACK_not_guessed()
    {
        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.PlainPort, new MqttTlsOptions { CaFile = fixture.CaCertificatePath }));

        Assert.Equal(MqttTlsFailureKind.NotTls, error.Kind);
        Assert.Contains("answered a plain MQTT CONNECT with CONNACK", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_requiring_TLS_1_3_against_a_TLS_1_2_only_server_is_a_version_mismatch()
    {
        var server = _lab.Server("server");
        var port = await _lab.StartOpenSslServerAsync("-cert", server.Cert, "-key", server.Key, "-tls1_2", "-www");

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath, MinimumVersion = SslProtocols.Tls13 }));

        Assert.Equal(MqttTlsFailureKind.ProtocolVersionMismatch, error.Kind);
        Assert.Contains("MinimumVersion", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silent_peer_fails_within_the_handshake_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptTcpClientAsync();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var options = TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath, HandshakeTimeout = TimeSpan.FromMilliseconds(500) });

        var watch = Stopwatch.StartNew();
        var error = await TlsLab.ConnectFailsAsync(options);
        watch.Stop();

        Assert.Equal(MqttTlsFailureKind.Timeout, error.Kind);
        Assert.Contains("sent nothing back", error.Message, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(5));
        Assert.True(error.IsTransient);
        (await accepted).Dispose();
    }

    [Fact]
    public async Task Peer_that_closes_after_starting_the_handshake_is_reported_as_closed_during_handshake()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var peer = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            var hello = new byte[4096];
            _ = await socket.ReceiveAsync(hello);

            // The start of a TLS handshake record (type 0x16, TLS 1.2) announcing 100 bytes, then a close.
            await socket.SendAsync(new byte[] { 0x16, 0x03, 0x03, 0x00, 0x64, 0x02, 0x00 });
            socket.Shutdown(SocketShutdown.Both);
        });

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath }));
        await peer;

        Assert.Equal(MqttTlsFailureKind.ConnectionClosedDuringHandshake, error.Kind);
    }

    [Fact]
    public async Task Server_offering_only_cipher_suites_the_client_lacks_is_reported_as_no_common_cipher_suite()
    {
        var server = _lab.Server("server");
        var port = await _lab.StartOpenSslServerAsync("-cert", server.Cert, "-key", server.Key, "-tls1_2", "-cipher", "ECDHE-ECDSA-CAMELLIA256-SHA384:@SECLEVEL=0", "-www");

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath, MinimumVersion = SslProtocols.Tls12 }));

        Assert.Equal(MqttTlsFailureKind.NoCommonCipherSuite, error.Kind);
    }
}
