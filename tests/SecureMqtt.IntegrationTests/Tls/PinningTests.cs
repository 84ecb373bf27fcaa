using System.Net;
using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>Public-key pinning on top of CA verification and instead of it, against Mosquitto.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class PinningTests(MosquittoFixture fixture) : IAsyncLifetime
{
    private readonly TlsLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lab.DisposeAsync().AsTask();

    private string ServerPin => CertificatePins.SpkiSha256Pin(X509Load(fixture.ServerCertificatePath));

    [Fact]
    public async Task Pin_of_the_server_key_on_top_of_the_CA_connects_and_reports_the_match()
    {
        await using var client = new MqttClient(TlsLab.Options(fixture.TlsPort, new MqttTlsOptions { CaFile = fixture.CaCertificatePath, PinnedPublicKeys = [ServerPin] }));

        await client.ConnectAsync();

        Assert.Equal(ServerPin, client.TlsInfo!.MatchedPin);
    }

    [Fact]
    public async Task Pin_of_the_CA_key_matches_a_server_it_issued()
    {
        var caPin = CertificatePins.SpkiSha256Pin(fixture.Authority.Certificate);
        await using var client = new MqttClient(TlsLab.Options(fixture.TlsPort, new MqttTlsOptions { CaFile = fixture.CaCertificatePath, PinnedPublicKeys = [caPin] }));

        await client.ConnectAsync();

        Assert.Equal(caPin, client.TlsInfo!.MatchedPin);
    }

    [Fact]
    public async Task Pin_rotation_connects_when_the_second_pin_matches()
    {
        using var next = ECDsaPin();
        await using var client = new MqttClient(TlsLab.Options(fixture.TlsPort, new MqttTlsOptions { CaFile = fixture.CaCertificatePath, PinnedPublicKeys = [next.Pin, ServerPin] }));

        await client.ConnectAsync();

        Assert.Equal(ServerPin, client.TlsInfo!.MatchedPin);
    }

    [Fact]
    public async Task Pin_mismatch_lists_the_pin_the_server_presented()
    {
        using var other = ECDsaPin();

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.TlsPort, new MqttTlsOptions { CaFile = fixture.CaCertificatePath, PinnedPublicKeys = [other.Pin] }));

        Assert.Equal(MqttTlsFailureKind.PinMismatch, error.Kind);
        Assert.Contains(ServerPin, error.Message, StringComparison.Ordinal);
        Assert.Contains(other.Pin, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pin_only_trusts_a_self_signed_broker_without_any_CA()
    {
        using var self = _lab.Ca.IssueServerCertificate("some-device", ["some-device"], [], new CertificateOptions { SelfSigned = true });
        var port = await _lab.StartMosquittoAsync(_lab.Write("self", self));
        var pin = CertificatePins.SpkiSha256Pin(self.Certificate);

        await using var client = new MqttClient(TlsLab.Options(port, new MqttTlsOptions { PinnedPublicKeys = [pin], PinOnly = true }));
        await client.ConnectAsync();

        Assert.Equal(pin, client.TlsInfo!.MatchedPin);
    }

    [Fact]
    public async Task Pin_only_still_refuses_an_expired_certificate()
    {
        using var self = _lab.Ca.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback],
            new CertificateOptions { SelfSigned = true, NotBefore = DateTimeOffset.UtcNow.AddDays(-20), NotAfter = DateTimeOffset.UtcNow.AddDays(-1) });
        var port = await _lab.StartMosquittoAsync(_lab.Write("self-expired", self));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { PinnedPublicKeys = [CertificatePins.SpkiSha256Pin(self.Certificate)], PinOnly = true }));

        Assert.Equal(MqttTlsFailureKind.CertificateExpired, error.Kind);
    }

    [Fact]
    public async Task Pin_only_with_a_pin_of_the_CA_is_not_enough_because_only_the_server_key_is_proven()
    {
        var caPin = CertificatePins.SpkiSha256Pin(fixture.Authority.Certificate);

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(fixture.TlsPort, new MqttTlsOptions { PinnedPublicKeys = [caPin], PinOnly = true }));

        Assert.Equal(MqttTlsFailureKind.PinMismatch, error.Kind);
    }

    [Fact]
    public async Task Malformed_pin_is_an_argument_error_naming_the_entry()
    {
        await using var client = new MqttClient(TlsLab.Options(fixture.TlsPort, new MqttTlsOptions { CaFile = fixture.CaCertificatePath, PinnedPublicKeys = [ServerPin, "sha1/abc"] }));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());

        Assert.Contains("PinnedPublicKeys[1]", error.Message, StringComparison.Ordinal);
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 X509Load(string path) =>
        System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(path));

    private static KeyPin ECDsaPin() => new();

    private sealed class KeyPin : IDisposable
    {
        private readonly System.Security.Cryptography.ECDsa _key = System.Security.Cryptography.ECDsa.Create();

        public string Pin => "sha256/" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(_key.ExportSubjectPublicKeyInfo()));

        public void Dispose() => _key.Dispose();
    }
}
