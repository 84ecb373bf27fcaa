using System.Net;
using SecureMqtt.Pki;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>The server-certificate rows of the TLS failure matrix, each against a real Mosquitto presenting a crafted certificate.</summary>
public sealed class ServerCertificateFailureTests : IAsyncLifetime
{
    private readonly TlsLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lab.DisposeAsync().AsTask();

    [Fact]
    public async Task Expired_server_certificate_is_reported_with_its_expiry_date_and_how_long_ago()
    {
        var expiredOn = DateTimeOffset.UtcNow.AddDays(-3);
        var port = await _lab.StartMosquittoAsync(_lab.Server("expired", new CertificateOptions { NotBefore = expiredOn.AddDays(-30), NotAfter = expiredOn }));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath }));

        Assert.Equal(MqttTlsFailureKind.CertificateExpired, error.Kind);
        Assert.Contains($"expired on {expiredOn:yyyy-MM-dd}", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 days ago", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(error.ServerCertificateChain);
    }

    [Fact]
    public async Task Not_yet_valid_server_certificate_points_at_the_clocks()
    {
        var from = DateTimeOffset.UtcNow.AddDays(5);
        var port = await _lab.StartMosquittoAsync(_lab.Server("future", new CertificateOptions { NotBefore = from, NotAfter = from.AddDays(30) }));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath }));

        Assert.Equal(MqttTlsFailureKind.CertificateNotYetValid, error.Kind);
        Assert.Contains("clock", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_for_another_host_lists_the_names_it_has()
    {
        var port = await _lab.StartMosquittoAsync(_lab.Server("other", dnsNames: ["broker.example.org", "mqtt.example.org"], ips: [IPAddress.Parse("192.0.2.7")]));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath }));

        Assert.Equal(MqttTlsFailureKind.HostnameMismatch, error.Kind);
        Assert.Contains("DNS:broker.example.org, DNS:mqtt.example.org, IP:192.0.2.7", error.Message, StringComparison.Ordinal);
        Assert.Contains("'127.0.0.1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_from_an_unknown_CA_names_the_issuer_and_the_CA_file_used()
    {
        var port = await _lab.StartMosquittoAsync(_lab.Server("server"));
        using var stranger = CertificateAuthority.Create("Stranger CA");
        var strangerPath = _lab.Write("stranger.crt", stranger.CertificatePem);

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = strangerPath }));

        Assert.Equal(MqttTlsFailureKind.UntrustedIssuer, error.Kind);
        Assert.Contains(_lab.Ca.Certificate.Subject, error.Message, StringComparison.Ordinal);
        Assert.Contains(strangerPath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_signed_server_certificate_is_named_as_such_and_offers_its_pin()
    {
        using var self = _lab.Ca.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback], new CertificateOptions { SelfSigned = true });
        var port = await _lab.StartMosquittoAsync(_lab.Write("self", self));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath }));

        Assert.Equal(MqttTlsFailureKind.SelfSignedServerCertificate, error.Kind);
        Assert.Contains(CertificatePins.SpkiSha256Pin(self.Certificate), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_certificate_without_serverAuth_usage_is_refused()
    {
        var port = await _lab.StartMosquittoAsync(_lab.Server("client-eku", new CertificateOptions { ExtendedKeyUsageOids = [CertificateOptions.ClientAuthOid] }));

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath }));

        Assert.Equal(MqttTlsFailureKind.MissingServerAuthUsage, error.Kind);
        Assert.Contains("serverAuth", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_right_certificate_still_connects_on_the_same_setup()
    {
        var port = await _lab.StartMosquittoAsync(_lab.Server("good"));
        await using var client = new MqttClient(TlsLab.Options(port, new MqttTlsOptions { CaFile = _lab.CaPath }));

        await client.ConnectAsync();

        Assert.True(client.TlsInfo!.ServerCertificateVerified);
        Assert.Equal(2, client.TlsInfo.ServerCertificateChain.Count);
    }
}
