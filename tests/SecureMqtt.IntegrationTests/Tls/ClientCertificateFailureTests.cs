using System.Numerics;
using System.Security.Authentication;
using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>Client-certificate rows of the matrix against Mosquitto's mutual-TLS listeners.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class ClientCertificateFailureTests(MosquittoFixture fixture) : IAsyncLifetime
{
    private readonly TlsLab _lab = new();

    public static TheoryData<SslProtocols> TlsVersions => new() { SslProtocols.Tls12, SslProtocols.Tls13 };

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lab.DisposeAsync().AsTask();

    [Fact]
    public async Task Missing_client_certificate_is_reported_as_required()
    {
        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.MutualTlsPort, new MqttTlsOptions { CaFile = fixture.CaCertificatePath }));

        Assert.Equal(MqttTlsFailureKind.ClientCertificateRequired, error.Kind);
    }

    [Theory]
    [MemberData(nameof(TlsVersions))]
    public async Task Client_certificate_from_an_unknown_CA_is_rejected_in_both_TLS_versions(SslProtocols version)
    {
        using var stranger = CertificateAuthority.Create("Stranger CA");
        using var intruder = stranger.IssueClientCertificate("intruder");
        var (cert, key) = _lab.Write("intruder", intruder);
        var tls = new MqttTlsOptions { CaFile = fixture.CaCertificatePath, ClientCertificateFile = cert, ClientKeyFile = key, EnabledProtocolsOverride = version };

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.MutualTlsPort, tls));

        Assert.Equal(MqttTlsFailureKind.ClientCertificateRejected, error.Kind);
    }

    [Theory]
    [MemberData(nameof(TlsVersions))]
    public async Task Client_certificate_on_the_brokers_CRL_is_rejected(SslProtocols version)
    {
        using var device = _lab.Ca.IssueClientCertificate("lost-device");
        var (cert, key) = _lab.Write("lost-device", device);
        var crl = _lab.Write("broker-crl.pem", _lab.Ca.CreateCrlPem([new RevokedCertificate(device.Certificate.SerialNumber, DateTimeOffset.UtcNow.AddMinutes(-1))], BigInteger.One));
        var port = await _lab.StartMosquittoAsync(_lab.Server("server"), l => l with { RequireCertificate = true, CrlFile = crl });
        var tls = new MqttTlsOptions { CaFile = _lab.CaPath, ClientCertificateFile = cert, ClientKeyFile = key, EnabledProtocolsOverride = version };

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, tls));

        Assert.Equal(MqttTlsFailureKind.ClientCertificateRejected, error.Kind);
    }

    [Fact]
    public async Task Wrong_key_passphrase_is_named_without_revealing_it()
    {
        using var device = fixture.Authority.IssueClientCertificate("encrypted-device");
        var cert = _lab.Write("enc.crt", device.CertificatePem);
        var key = _lab.Write("enc.key", device.ExportEncryptedPrivateKeyPem("the-right-one"));
        var tls = new MqttTlsOptions { CaFile = fixture.CaCertificatePath, ClientCertificateFile = cert, ClientKeyFile = key, ClientKeyPassphrase = "a-wrong-guess" };

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.MutualTlsPort, tls));

        Assert.Equal(MqttTlsFailureKind.WrongKeyPassphrase, error.Kind);
        Assert.DoesNotContain("a-wrong-guess", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("the-right-one", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_of_another_certificate_is_a_key_mismatch()
    {
        using var device = fixture.Authority.IssueClientCertificate("device-a");
        using var other = fixture.Authority.IssueClientCertificate("device-b");
        var cert = _lab.Write("a.crt", device.CertificatePem);
        var key = _lab.Write("b.key", other.PrivateKeyPem);
        var tls = new MqttTlsOptions { CaFile = fixture.CaCertificatePath, ClientCertificateFile = cert, ClientKeyFile = key };

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.MutualTlsPort, tls));

        Assert.Equal(MqttTlsFailureKind.ClientKeyMismatch, error.Kind);
        Assert.Contains("CN=device-a", error.Message, StringComparison.Ordinal);
    }
}
