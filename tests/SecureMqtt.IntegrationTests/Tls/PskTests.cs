using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>TLS-PSK through the real client against a Mosquitto psk_hint/psk_file listener.</summary>
public sealed class PskTests : IAsyncLifetime
{
    private const string Identity = "device-psk-1";
    private const string HexKey = "00112233445566778899aabbccddeeff";
    private readonly TlsLab _lab = new();
    private int _port;

    public static TheoryData<MqttProtocolVersion> Versions => new() { MqttProtocolVersion.V311, MqttProtocolVersion.V500 };

    public async Task InitializeAsync()
    {
        var pskFile = _lab.Write("psk.txt", $"{Identity}:{HexKey}\n");
        _port = await _lab.StartMosquittoAsync(new MosquittoListener { Port = FreePort.Next(), PskHint = "lab", PskFile = pskFile });
    }

    public Task DisposeAsync() => _lab.DisposeAsync().AsTask();

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Publish_and_subscribe_round_trip_over_TLS_PSK(MqttProtocolVersion version)
    {
        var tls = new MqttTlsOptions { PreSharedKey = MqttPreSharedKey.FromHex(Identity, HexKey) };
        await using var client = new MqttClient(TlsLab.Options(_port, tls, version));
        await client.ConnectAsync();
        var topic = Broker.UniqueTopic("psk");
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        var published = await client.PublishAsync(topic, "over psk"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        var received = await client.NextMessageAsync();

        Assert.True(published.IsSuccess);
        Assert.Equal("over psk", System.Text.Encoding.UTF8.GetString(received.Payload.Span));
        Assert.Null(client.TlsInfo!.ServerCertificate);
        Assert.Equal(Identity, client.TlsInfo.PreSharedKeyIdentity);
        Assert.NotEqual(System.Security.Authentication.SslProtocols.None, client.TlsInfo.Protocol);
        Assert.StartsWith("TLS_", client.TlsInfo.CipherSuiteName, StringComparison.Ordinal);
        // Auto keeps the system OpenSSL where it loads; the managed path is the fallback (ManagedPskTests force it).
        Assert.Equal(SecureMqtt.Tls.OpenSsl.PskTlsStream.IsSupported ? MqttPskImplementation.OpenSsl : MqttPskImplementation.Managed, client.TlsInfo.PskImplementation);
    }

    [Fact]
    public async Task Reconnecting_resumes_the_TLS_PSK_session_after_a_clean_disconnect_and_after_a_cut()
    {
        await using var cutter = await FaultProxy.StartAsync("127.0.0.1", _port, seed: 91);
        var tls = new MqttTlsOptions { PreSharedKey = MqttPreSharedKey.FromHex(Identity, HexKey) };
        await using var client = new MqttClient(TlsLab.Options(cutter.Port, tls) with
        {
            Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(50), MaximumDelay = TimeSpan.FromMilliseconds(200) },
        });
        // Connected events are raised off the connection, possibly after ConnectAsync returned: count them.
        using var connected = new SemaphoreSlim(0);
        client.Connected += (_, _) => connected.Release();

        await client.ConnectAsync();
        await client.DisconnectAsync();
        await client.ConnectAsync();
        var sessions = client.Supervisor.PskSessions;
        Assert.Equal(1, sessions.Resumed);
        Assert.True(await connected.WaitAsync(TlsLab.Wait) && await connected.WaitAsync(TlsLab.Wait));

        // A lost connection ends without close_notify; its session must still be offered, and taken, on the reconnect.
        Assert.Equal(1, cutter.CutAll());
        Assert.True(await connected.WaitAsync(TlsLab.Wait), "no reconnect after the cut");
        Assert.Equal(2, sessions.Resumed);
        var published = await client.PublishAsync(Broker.UniqueTopic("psk/resumed"), "after"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        Assert.True(published.IsSuccess);
    }

    [Fact]
    public async Task Wrong_key_is_a_PSK_key_mismatch_that_never_shows_the_key()
    {
        const string wrong = "ffeeddccbbaa99887766554433221100";
        var tls = new MqttTlsOptions { PreSharedKey = MqttPreSharedKey.FromHex(Identity, wrong) };

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, tls));

        Assert.Equal(MqttTlsFailureKind.PskKeyMismatch, error.Kind);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(wrong, tls.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Unknown_identity_is_reported_as_such()
    {
        var tls = new MqttTlsOptions { PreSharedKey = MqttPreSharedKey.FromHex("nobody", HexKey) };

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, tls));

        Assert.Equal(MqttTlsFailureKind.PskIdentityUnknown, error.Kind);
    }

    [Fact]
    public async Task PSK_together_with_a_CA_file_is_refused_before_connecting()
    {
        await using var client = new MqttClient(TlsLab.Options(_port, new MqttTlsOptions { PreSharedKey = MqttPreSharedKey.FromHex(Identity, HexKey), CaFile = _lab.CaPath }));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());

        Assert.Contains("CaFile", error.Message, StringComparison.Ordinal);
    }
}
