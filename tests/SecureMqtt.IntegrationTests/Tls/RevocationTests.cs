using System.Numerics;
using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>MqttTlsOptions.CrlFile against a real Mosquitto: revoked, not revoked, expired CRL, CRL of another CA.</summary>
public sealed class RevocationTests : IAsyncLifetime
{
    private readonly TlsLab _lab = new();
    private int _port;
    private IssuedCertificate? _server;

    public async Task InitializeAsync()
    {
        _server = _lab.Ca.IssueServerCertificate("localhost", ["localhost"], [System.Net.IPAddress.Loopback]);
        _port = await _lab.StartMosquittoAsync(_lab.Write("server", _server));
    }

    public async Task DisposeAsync()
    {
        _server?.Dispose();
        await _lab.DisposeAsync();
    }

    [Fact]
    public async Task Server_certificate_listed_in_the_CRL_file_is_reported_revoked_with_its_serial()
    {
        var crl = _lab.Write("crl.pem", _lab.Ca.CreateCrlPem([new RevokedCertificate(_server!.Certificate.SerialNumber, DateTimeOffset.UtcNow.AddMinutes(-1))], BigInteger.One));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = crl }));

        Assert.Equal(MqttTlsFailureKind.CertificateRevoked, error.Kind);
        Assert.Contains(_server.Certificate.SerialNumber, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_DER_CRL_among_several_CAs_CRLs_in_PEM_is_found_by_its_issuer()
    {
        using var other = CertificateAuthority.Create("Unrelated CA");
        var revoked = new RevokedCertificate(_server!.Certificate.SerialNumber, DateTimeOffset.UtcNow.AddMinutes(-1));
        var der = Path.Combine(Path.GetDirectoryName(_lab.CaPath)!, "crl.der");
        await File.WriteAllBytesAsync(der, _lab.Ca.CreateCrl([revoked], BigInteger.One));
        var bundle = _lab.Write("bundle.pem", other.CreateCrlPem([], BigInteger.One) + _lab.Ca.CreateCrlPem([revoked], BigInteger.One));

        var fromDer = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = der }));
        var fromBundle = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = bundle }));

        Assert.Equal(MqttTlsFailureKind.CertificateRevoked, fromDer.Kind);
        Assert.Equal(MqttTlsFailureKind.CertificateRevoked, fromBundle.Kind);
    }

    [Fact]
    public async Task Server_certificate_not_in_the_CRL_connects()
    {
        var crl = _lab.Write("crl.pem", _lab.Ca.CreateCrlPem([new RevokedCertificate("0A0B0C", DateTimeOffset.UtcNow.AddMinutes(-1))], BigInteger.One));
        await using var client = new MqttClient(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = crl }));

        await client.ConnectAsync();

        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task An_expired_CRL_cannot_vouch_for_the_server_and_says_when_it_expired()
    {
        var crl = _lab.Write("crl.pem", _lab.Ca.CreateCrlPem([], BigInteger.One, validityDays: 30));
        var options = TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = crl }) with { TimeProvider = new ShiftedTime(TimeSpan.FromDays(40)) };

        var error = await TlsLab.ConnectFailsAsync(options);

        Assert.Equal(MqttTlsFailureKind.RevocationStatusUnknown, error.Kind);
        Assert.Contains("expired on", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CRL_from_another_CA_does_not_cover_the_server_certificate()
    {
        using var other = CertificateAuthority.Create("Other CA");
        var crl = _lab.Write("other-crl.pem", other.CreateCrlPem([], BigInteger.One));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = crl }));

        Assert.Equal(MqttTlsFailureKind.RevocationStatusUnknown, error.Kind);
        Assert.Contains(_lab.Ca.Certificate.Subject, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CRL_under_the_CAs_name_but_signed_by_another_key_is_an_invalid_CRL_file()
    {
        using var impostor = CertificateAuthority.Create(_lab.Ca.Certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
        var crl = _lab.Write("impostor-crl.pem", impostor.CreateCrlPem([], BigInteger.One));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = crl }));

        Assert.Equal(MqttTlsFailureKind.InvalidCrlFile, error.Kind);
        Assert.Contains("not signed by that CA's key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_CRL_is_an_invalid_CRL_file_before_connecting()
    {
        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = _lab.CaPath }));

        Assert.Equal(MqttTlsFailureKind.InvalidCrlFile, error.Kind);
    }

    [Fact]
    public async Task An_ECDSA_CRL_made_by_openssl_ca_revokes_the_server_certificate()
    {
        using var openssl = new OpenSslCrlIssuer(_lab.Ca.CertificatePem, _lab.Ca.PrivateKeyPem);
        openssl.Revoke(_server!.Certificate.SerialNumber, "keyCompromise");
        var crl = _lab.Write("openssl-crl.pem", await openssl.CreateCrlPemAsync());

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = crl }));

        Assert.Equal(MqttTlsFailureKind.CertificateRevoked, error.Kind);
        Assert.Contains(_server.Certificate.SerialNumber, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delta_CRL_from_openssl_is_refused_as_an_invalid_CRL_file_asking_for_the_full_one()
    {
        using var openssl = new OpenSslCrlIssuer(_lab.Ca.CertificatePem, _lab.Ca.PrivateKeyPem);
        var crl = _lab.Write("delta-crl.pem", await openssl.CreateCrlPemAsync(["2.5.29.27 = critical, ASN1:INTEGER:1"]));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = crl }));

        Assert.Equal(MqttTlsFailureKind.InvalidCrlFile, error.Kind);
        Assert.Contains("give the full CRL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_RSA_PSS_CRL_made_by_openssl_ca_is_verified_against_an_RSA_CA_broker()
    {
        using var ca = CertificateAuthority.Create("PSS Lab CA", KeyAlgorithm.Rsa2048);
        using var server = ca.IssueServerCertificate("localhost", ["localhost"], [System.Net.IPAddress.Loopback]);
        var caPath = _lab.Write("pss-ca.crt", ca.CertificatePem);
        var (cert, key) = _lab.Write("pss-server", server);
        var port = await _lab.StartMosquittoAsync(new MosquittoListener { Port = FreePort.Next(), CaFile = caPath, CertFile = cert, KeyFile = key });
        using var openssl = new OpenSslCrlIssuer(ca.CertificatePem, ca.PrivateKeyPem);
        string[] pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"];
        var clean = _lab.Write("pss-clean.pem", await openssl.CreateCrlPemAsync(arguments: pss));
        openssl.Revoke(server.Certificate.SerialNumber);
        var revoking = _lab.Write("pss-revoking.pem", await openssl.CreateCrlPemAsync(arguments: pss));

        await using (var client = new MqttClient(TlsLab.Options(port, new MqttTlsOptions { CaFile = caPath, CrlFile = clean })))
        {
            await client.ConnectAsync();
            Assert.True(client.IsConnected);
        }

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = caPath, CrlFile = revoking }));
        Assert.Equal(MqttTlsFailureKind.CertificateRevoked, error.Kind);
    }

    [Fact]
    public async Task Online_revocation_checking_of_a_certificate_that_names_no_revocation_service_is_reported_as_unknown()
    {
        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CheckCertificateRevocation = true }));

        Assert.Equal(MqttTlsFailureKind.RevocationStatusUnknown, error.Kind);
        Assert.Contains("CrlFile", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The system clock moved by a fixed offset, so a CRL can be "expired" without waiting.</summary>
    private sealed class ShiftedTime(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
