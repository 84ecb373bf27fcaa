using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Tls;

namespace SecureMqtt.Tests.Tls;

/// <summary>
/// <see cref="TlsMaterial"/>: certificate files are loaded once per options object and again only when they change
/// on disk, so reconnects do not rebuild the client certificate's chain, and rotation still takes effect.
/// </summary>
public sealed class TlsMaterialTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("smqtt-material-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Unchanged_files_give_the_same_loaded_objects_and_other_options_their_own()
    {
        var (certFile, keyFile) = WriteClientCertificate("device-1");
        var caFile = WriteCa("ca-1");
        var options = new MqttTlsOptions { CaFile = caFile, ClientCertificateFile = certFile, ClientKeyFile = keyFile };

        var client = TlsMaterial.LoadClientCertificate(options);
        Assert.NotNull(client);
        Assert.Same(client, TlsMaterial.LoadClientCertificate(options));
        Assert.Same(TlsMaterial.LoadCa(options), TlsMaterial.LoadCa(options));

        // Another options object, even with equal values, loads for itself.
        var copy = options with { };
        Assert.NotSame(client, TlsMaterial.LoadClientCertificate(copy));
        Assert.Equal(client!.TargetCertificate.Thumbprint, TlsMaterial.LoadClientCertificate(copy)!.TargetCertificate.Thumbprint);
    }

    [Fact]
    public void A_file_replaced_on_disk_is_loaded_again()
    {
        var caFile = WriteCa("ca-1");
        var (certFile, keyFile) = WriteClientCertificate("device-1");
        var options = new MqttTlsOptions { CaFile = caFile, ClientCertificateFile = certFile, ClientKeyFile = keyFile };
        var firstCa = TlsMaterial.LoadCa(options)!;
        var firstClient = TlsMaterial.LoadClientCertificate(options)!;

        WriteCa("ca-2-rotated");
        WriteClientCertificate("device-1-rotated");
        var secondCa = TlsMaterial.LoadCa(options)!;
        var secondClient = TlsMaterial.LoadClientCertificate(options)!;

        Assert.Equal("CN=ca-1", firstCa[0].Subject);
        Assert.Equal("CN=ca-2-rotated", secondCa[0].Subject);
        Assert.Equal("CN=device-1", firstClient.TargetCertificate.Subject);
        Assert.Equal("CN=device-1-rotated", secondClient.TargetCertificate.Subject);
    }

    [Fact]
    public void A_load_that_failed_is_not_kept()
    {
        var caFile = Path.Combine(_dir, "ca.crt");
        var options = new MqttTlsOptions { CaFile = caFile };
        var missing = Assert.Throws<MqttTlsException>(() => TlsMaterial.LoadCa(options));
        Assert.Equal(MqttTlsFailureKind.InvalidCaFile, missing.Kind);

        WriteCa("ca-now-there");
        Assert.Equal("CN=ca-now-there", TlsMaterial.LoadCa(options)![0].Subject);
    }

    private string WriteCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(_dir, "ca.crt");
        File.WriteAllText(path, ca.ExportCertificatePem());
        return path;
    }

    private (string Certificate, string Key) WriteClientCertificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certFile = Path.Combine(_dir, "client.crt");
        var keyFile = Path.Combine(_dir, "client.key");
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            // Private keys are owner-only, as the client expects of key files.
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return (certFile, keyFile);
    }
}
