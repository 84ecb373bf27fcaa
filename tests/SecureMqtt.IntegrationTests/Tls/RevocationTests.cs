using System.Numerics;
using SecureMqtt.Pki;

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
    public async Task A_file_that_is_not_a_CRL_is_an_invalid_CRL_file_before_connecting()
    {
        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(_port, new MqttTlsOptions { CaFile = _lab.CaPath, CrlFile = _lab.CaPath }));

        Assert.Equal(MqttTlsFailureKind.InvalidCrlFile, error.Kind);
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
