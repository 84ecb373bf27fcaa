using System.Security.Authentication;
using SecureMqtt.Packets;
using SecureMqtt.Testing;
using Xunit.Abstractions;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>The managed (BouncyCastle) TLS-PSK path, forced with PskImplementation, against a real Mosquitto psk_hint/psk_file listener.</summary>
public sealed class ManagedPskTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Identity = "device-psk-managed";
    private const string HexKey = "00112233445566778899aabbccddeeff";
    private readonly TlsLab _lab = new();
    private int _port;
    private int _tls13OnlyPort;

    public static TheoryData<SslProtocols> Versions => new() { SslProtocols.Tls12, SslProtocols.Tls13 };

    public async Task InitializeAsync()
    {
        var pskFile = _lab.Write("psk.txt", $"{Identity}:{HexKey}\n");
        _port = await _lab.StartMosquittoAsync(new MosquittoListener { Port = FreePort.Next(), PskHint = "lab", PskFile = pskFile });
        _tls13OnlyPort = await _lab.StartMosquittoAsync(new MosquittoListener { Port = FreePort.Next(), PskHint = "lab", PskFile = pskFile, TlsVersion = "tlsv1.3" });
    }

    public Task DisposeAsync() => _lab.DisposeAsync().AsTask();

    private static MqttTlsOptions Managed(string identity, string hexKey, SslProtocols? version = null) => new()
    {
        PreSharedKey = MqttPreSharedKey.FromHex(identity, hexKey),
        PskImplementation = MqttPskImplementation.Managed,
        EnabledProtocolsOverride = version,
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Publish_and_subscribe_round_trip_over_managed_TLS_PSK(SslProtocols version)
    {
        await using var client = new MqttClient(TlsLab.Options(_port, Managed(Identity, HexKey, version)));
        await client.ConnectAsync();
        var topic = Broker.UniqueTopic("psk/managed");
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        // Larger than one TLS record, so the write is split and the read reassembles it.
        var payload = new byte[40_000];
        Random.Shared.NextBytes(payload);
        var published = await client.PublishAsync(topic, payload, MqttQualityOfService.AtLeastOnce);
        var received = await client.NextMessageAsync();

        Assert.True(published.IsSuccess);
        Assert.Equal(payload, received.Payload.ToArray());
        output.WriteLine($"{client.TlsInfo!.Protocol} {client.TlsInfo.CipherSuiteName}");
        Assert.Equal(MqttPskImplementation.Managed, client.TlsInfo.PskImplementation);
        Assert.Equal(version, client.TlsInfo.Protocol);
        Assert.Equal(Identity, client.TlsInfo.PreSharedKeyIdentity);
        Assert.Null(client.TlsInfo.ServerCertificate);
        Assert.Contains(version == SslProtocols.Tls12 ? "_PSK_WITH_" : "_SHA256", client.TlsInfo.CipherSuiteName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_published_over_OpenSSL_PSK_arrives_over_managed_PSK()
    {
        await using var subscriber = new MqttClient(TlsLab.Options(_port, Managed(Identity, HexKey)));
        await subscriber.ConnectAsync();
        var topic = Broker.UniqueTopic("psk/mixed");
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        await using var publisher = new MqttClient(TlsLab.Options(_port, new MqttTlsOptions
        {
            PreSharedKey = MqttPreSharedKey.FromHex(Identity, HexKey),
            PskImplementation = MqttPskImplementation.OpenSsl,
        }));
        await publisher.ConnectAsync();

        await publisher.PublishAsync(topic, "across"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        var received = await subscriber.NextMessageAsync();

        Assert.Equal("across", System.Text.Encoding.UTF8.GetString(received.Payload.Span));
        Assert.Equal(MqttPskImplementation.OpenSsl, publisher.TlsInfo!.PskImplementation);
        Assert.Equal(MqttPskImplementation.Managed, subscriber.TlsInfo!.PskImplementation);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Wrong_key_is_a_PSK_key_mismatch_that_never_shows_the_key(SslProtocols version)
    {
        const string wrong = "ffeeddccbbaa99887766554433221100";

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, Managed(Identity, wrong, version)));

        Assert.Equal(MqttTlsFailureKind.PskKeyMismatch, error.Kind);
        output.WriteLine(error.Message);
        Assert.Contains("psk_file entry", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Unknown_identity_is_reported_as_such(SslProtocols version)
    {
        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, Managed("nobody", HexKey, version)));

        Assert.Equal(MqttTlsFailureKind.PskIdentityUnknown, error.Kind);
        output.WriteLine(error.Message);
        Assert.Contains("'nobody'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TLS_1_2_against_a_TLS_1_3_only_listener_is_a_version_mismatch()
    {
        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_tls13OnlyPort, Managed(Identity, HexKey, SslProtocols.Tls12)));

        output.WriteLine(error.Message);
        Assert.Equal(MqttTlsFailureKind.ProtocolVersionMismatch, error.Kind);
    }

    [Fact]
    public async Task A_plain_MQTT_port_is_reported_as_a_connection_closed_in_the_handshake()
    {
        await using var plain = new TlsLab();
        var port = await plain.StartMosquittoAsync(new MosquittoListener { Port = FreePort.Next() });

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, Managed(Identity, HexKey)));

        output.WriteLine(error.Message);
        Assert.Equal(MqttTlsFailureKind.ConnectionClosedDuringHandshake, error.Kind);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_certificate_listener_without_PSK_is_refused_rather_than_trusted(SslProtocols version)
    {
        await using var certificates = new TlsLab();
        var port = await certificates.StartMosquittoAsync(certificates.Server("broker"));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, Managed(Identity, HexKey, version)));

        output.WriteLine(error.Message);
        Assert.Equal(MqttTlsFailureKind.NoCommonCipherSuite, error.Kind);
    }
}
