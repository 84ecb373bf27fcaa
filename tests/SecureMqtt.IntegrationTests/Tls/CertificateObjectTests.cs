using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>
/// MqttTlsOptions.CaCertificates and ClientCertificate (objects, as from a secret or certificate store) against a real
/// Mosquitto: they must behave exactly as CaFile and the client certificate files do, failures included.
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class CertificateObjectTests(MosquittoFixture fixture) : IAsyncLifetime
{
    private readonly TlsLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lab.DisposeAsync().AsTask();

    [Fact]
    public async Task CA_objects_verify_the_broker_as_the_CA_file_does()
    {
        using var ca = fixture.LoadCaCertificate();
        await using var client = new MqttClient(TlsLab.Options(fixture.TlsPort, new MqttTlsOptions { CaCertificates = [ca] }));

        await client.ConnectAsync();

        Assert.True(client.IsConnected);
        Assert.True(client.TlsInfo!.ServerCertificateVerified);
        Assert.Equal(ca.Thumbprint, client.TlsInfo.ServerCertificateChain[^1].Thumbprint);
    }

    [Fact]
    public async Task An_untrusted_CA_collection_fails_with_the_same_kind_as_a_wrong_CA_file_and_names_the_option()
    {
        using var other = CertificateAuthority.Create("Some Other CA");
        var otherPath = _lab.Write("other-ca.crt", other.CertificatePem);
        using var otherCa = X509CertificateLoader.LoadCertificate(other.Certificate.RawData);

        var fromFile = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.TlsPort, new MqttTlsOptions { CaFile = otherPath }));
        var fromObjects = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.TlsPort, new MqttTlsOptions { CaCertificates = [otherCa] }));

        Assert.Equal(MqttTlsFailureKind.UntrustedIssuer, fromFile.Kind);
        Assert.Equal(fromFile.Kind, fromObjects.Kind);
        Assert.Contains("CaCertificates", fromObjects.Message, StringComparison.Ordinal);
        Assert.Contains("Some Other CA", fromObjects.Message, StringComparison.Ordinal);
        Assert.NotEmpty(fromObjects.ServerCertificateChain);
    }

    [Fact]
    public async Task A_client_certificate_object_is_accepted_by_the_mutual_TLS_listener()
    {
        using var ca = fixture.LoadCaCertificate();
        using var device = fixture.LoadClientCertificate();
        await using var client = new MqttClient(TlsLab.Options(fixture.MutualTlsPort, new MqttTlsOptions { CaCertificates = [ca], ClientCertificate = device }));

        await client.ConnectAsync();

        Assert.True(client.IsConnected);
        Assert.True(client.TlsInfo!.ClientCertificateSent);
    }

    [Fact]
    public async Task A_client_certificate_object_without_its_key_is_refused_before_connecting()
    {
        using var withKey = fixture.LoadClientCertificate();
        using var publicOnly = X509CertificateLoader.LoadCertificate(withKey.RawData);
        await using var client = new MqttClient(TlsLab.Options(fixture.MutualTlsPort, new MqttTlsOptions { CaFile = fixture.CaCertificatePath, ClientCertificate = publicOnly }));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());

        Assert.Equal("Tls.ClientCertificate", error.ParamName);
        Assert.Contains("has no private key", error.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task A_client_certificate_object_from_an_unknown_CA_is_rejected_like_a_file()
    {
        using var stranger = CertificateAuthority.Create("Stranger CA");
        using var intruder = stranger.IssueClientCertificate("intruder");
        using var ca = fixture.LoadCaCertificate();

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.MutualTlsPort, new MqttTlsOptions { CaCertificates = [ca], ClientCertificate = intruder.Certificate }));

        Assert.Equal(MqttTlsFailureKind.ClientCertificateRejected, error.Kind);
    }

    [Fact]
    public async Task Pins_and_the_CRL_file_apply_on_top_of_CA_objects()
    {
        using var server = _lab.Ca.IssueServerCertificate("localhost", ["localhost"], [System.Net.IPAddress.Loopback]);
        var port = await _lab.StartMosquittoAsync(_lab.Write("server", server));
        using var ca = X509CertificateLoader.LoadCertificate(_lab.Ca.Certificate.RawData);
        using var otherKey = CertificateAuthority.Create("Not Pinned");
        var revoked = _lab.Write("crl.pem", _lab.Ca.CreateCrlPem([new RevokedCertificate(server.Certificate.SerialNumber, DateTimeOffset.UtcNow.AddMinutes(-1))], BigInteger.One));
        var clean = _lab.Write("clean.pem", _lab.Ca.CreateCrlPem([], BigInteger.One));

        var pinned = new MqttTlsOptions { CaCertificates = [ca], PinnedPublicKeys = [PublicKeyPinOf(server.Certificate)], CrlFile = clean };
        await using (var client = new MqttClient(TlsLab.Options(port, pinned)))
        {
            await client.ConnectAsync();
            Assert.Equal(PublicKeyPinOf(server.Certificate), client.TlsInfo!.MatchedPin);
        }

        var wrongPin = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaCertificates = [ca], PinnedPublicKeys = [PublicKeyPinOf(otherKey.Certificate)] }));
        var onCrl = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaCertificates = [ca], CrlFile = revoked }));

        Assert.Equal(MqttTlsFailureKind.PinMismatch, wrongPin.Kind);
        Assert.Equal(MqttTlsFailureKind.CertificateRevoked, onCrl.Kind);
    }

    private static string PublicKeyPinOf(X509Certificate2 certificate) =>
        "sha256/" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
}
