using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests.Tls;

/// <summary>smqtt pub's --pin and --crlfile against the fixture's TLS listener.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class PinAndCrlOptionTests(MosquittoFixture broker) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smqtt-pin-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string ServerPin => CertificatePins.SpkiSha256Pin(X509Certificate2.CreateFromPem(File.ReadAllText(broker.ServerCertificatePath)));

    private string[] Publish(params string[] tls) =>
        ["-h", "127.0.0.1", "-p", broker.TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "it/pin/" + Guid.NewGuid().ToString("N"), "-m", "x", .. tls];

    [Fact]
    public async Task Pin_on_top_of_the_CA_file_publishes()
    {
        var result = await Smqtt.PubAsync(Publish("--cafile", broker.CaCertificatePath, "--pin", ServerPin));

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Pin_alone_trusts_the_broker_key_without_a_CA()
    {
        var result = await Smqtt.PubAsync(Publish("--pin", ServerPin));

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Wrong_pin_fails_naming_the_presented_pin()
    {
        var wrong = "sha256/" + Convert.ToBase64String(new byte[32]);

        var result = await Smqtt.PubAsync(Publish("--cafile", broker.CaCertificatePath, "--pin", wrong));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(ServerPin, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_pin_is_a_usage_error()
    {
        var result = await Smqtt.PubAsync(Publish("--pin", "sha1/abc"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--pin 'sha1/abc' is not a public-key pin", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crlfile_revoking_the_broker_certificate_refuses_the_connection()
    {
        var serial = X509Certificate2.CreateFromPem(File.ReadAllText(broker.ServerCertificatePath)).SerialNumber;
        var crl = Path.Combine(_dir.FullName, "crl.pem");
        await File.WriteAllTextAsync(crl, broker.Authority.CreateCrlPem([new RevokedCertificate(serial, DateTimeOffset.UtcNow.AddMinutes(-1))], BigInteger.One));

        var revoked = await Smqtt.PubAsync(Publish("--cafile", broker.CaCertificatePath, "--crlfile", crl));
        await File.WriteAllTextAsync(crl, broker.Authority.CreateCrlPem([], BigInteger.Parse("2", System.Globalization.CultureInfo.InvariantCulture)));
        var clean = await Smqtt.PubAsync(Publish("--cafile", broker.CaCertificatePath, "--crlfile", crl));

        Assert.Equal(1, revoked.ExitCode);
        Assert.Contains("revoked", revoked.Error, StringComparison.Ordinal);
        Assert.True(clean.ExitCode == 0, clean.ToString());
    }
}
