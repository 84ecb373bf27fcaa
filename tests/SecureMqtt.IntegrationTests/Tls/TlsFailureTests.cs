using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using SecureMqtt.Packets;
using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Tls;

[Collection(MosquittoFixture.CollectionName)]
public sealed class TlsFailureTests(MosquittoFixture fixture) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smqtt-it-tls-");

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<SslProtocols> TlsVersions => new() { SslProtocols.Tls12, SslProtocols.Tls13 };

    [Theory]
    [MemberData(nameof(TlsVersions))]
    public async Task Mutual_TLS_listener_refuses_a_client_without_certificate_with_client_certificate_required(SslProtocols version)
    {
        var options = Broker.Options(fixture, Listener.MutualTls) with
        {
            Tls = new MqttTlsOptions { CaFile = fixture.CaCertificatePath, EnabledProtocolsOverride = version },
        };
        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
        Assert.Equal(MqttTlsFailureKind.ClientCertificateRequired, error.Kind);
        Assert.Contains("ClientCertificateFile", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
        Assert.False(client.IsConnected);
    }

    [Theory]
    [MemberData(nameof(TlsVersions))]
    public async Task Mutual_TLS_works_with_the_client_certificate_in_both_TLS_versions(SslProtocols version)
    {
        var options = Broker.Options(fixture, Listener.MutualTls);
        await using var client = await Broker.ConnectAsync(options with { Tls = options.Tls! with { EnabledProtocolsOverride = version } });
        Assert.Equal(version, client.TlsInfo!.Protocol);
        Assert.Contains("CN=localhost", client.TlsInfo.ServerCertificate!.Subject, StringComparison.Ordinal);
        Assert.NotEqual(default, client.TlsInfo.CipherSuite);
    }

    [Fact]
    public async Task A_server_certificate_for_other_names_is_refused_as_hostname_mismatch_listing_its_names()
    {
        var options = Broker.Options(fixture, Listener.Tls);
        await using var client = new MqttClient(options with { Tls = options.Tls! with { TargetHost = "broker.example.com" } });

        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
        Assert.Equal(MqttTlsFailureKind.HostnameMismatch, error.Kind);
        Assert.Contains("broker.example.com", error.Message, StringComparison.Ordinal);
        Assert.Contains("DNS:localhost", error.Message, StringComparison.Ordinal);
        Assert.Contains("IP:127.0.0.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_certificate_from_an_unknown_CA_is_refused_as_untrusted_issuer()
    {
        using var other = CertificateAuthority.Create("Some Other CA");
        var caPath = Path.Combine(_dir.FullName, "other-ca.crt");
        await File.WriteAllTextAsync(caPath, other.CertificatePem);
        var options = Broker.Options(fixture, Listener.Tls);
        await using var client = new MqttClient(options with { Tls = options.Tls! with { CaFile = caPath } });

        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
        Assert.Equal(MqttTlsFailureKind.UntrustedIssuer, error.Kind);
        Assert.Contains("CaFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OS_trust_store_does_not_trust_the_test_CA()
    {
        var options = Broker.Options(fixture, Listener.Tls);
        await using var client = new MqttClient(options with { Tls = new MqttTlsOptions() });
        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
        Assert.Equal(MqttTlsFailureKind.UntrustedIssuer, error.Kind);
        Assert.Contains("operating system", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowUntrustedServerCertificate_connects_and_logs_a_warning()
    {
        var logs = new CapturingLoggerProvider();
        var options = Broker.Options(fixture, Listener.Tls) with
        {
            Tls = new MqttTlsOptions { AllowUntrustedServerCertificate = true },
            LoggerFactory = logs,
        };
        await using var client = await Broker.ConnectAsync(options);

        Assert.True(client.IsConnected);
        Assert.False(client.TlsInfo!.ServerCertificateVerified);
        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Id.Id == 4);
        Assert.Contains("NOT verified", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TLS_to_a_plain_listener_is_reported_as_not_TLS()
    {
        var options = Broker.Options(fixture, Listener.Plain) with { Tls = new MqttTlsOptions { CaFile = fixture.CaCertificatePath } };
        await using var client = new MqttClient(options);
        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
        Assert.True(error.Kind == MqttTlsFailureKind.NotTls, error.ToString());
    }

    [Fact]
    public async Task Encrypted_client_key_and_PKCS12_both_authenticate_on_the_mutual_TLS_listener()
    {
        using var cert = fixture.Authority.IssueClientCertificate("device-2");
        var certPath = Path.Combine(_dir.FullName, "d2.crt");
        var keyPath = Path.Combine(_dir.FullName, "d2.key");
        var p12Path = Path.Combine(_dir.FullName, "d2.p12");
        await File.WriteAllTextAsync(certPath, cert.CertificatePem);
        await File.WriteAllTextAsync(keyPath, cert.ExportEncryptedPrivateKeyPem("key-pass"));
        await File.WriteAllBytesAsync(p12Path, cert.ExportPkcs12("p12-pass"));
        var options = Broker.Options(fixture, Listener.MutualTls);

        await using (var pem = await Broker.ConnectAsync(options with { Tls = options.Tls! with { ClientCertificateFile = certPath, ClientKeyFile = keyPath, ClientKeyPassphrase = "key-pass" } }))
        {
            Assert.True(pem.IsConnected);
        }

        await using var p12 = await Broker.ConnectAsync(options with { Tls = new MqttTlsOptions { CaFile = fixture.CaCertificatePath, Pkcs12File = p12Path, Pkcs12Password = "p12-pass" } });
        Assert.True(p12.IsConnected);
        Assert.True((await p12.PublishAsync(Broker.UniqueTopic("p12"), "x"u8.ToArray(), MqttQualityOfService.AtLeastOnce)).IsSuccess);
    }
}
