using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Tls;

namespace SecureMqtt.Tests;

public sealed class TlsOptionsLoadingTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smqtt-tls-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static X509Certificate2 SelfSigned(AsymmetricAlgorithm key, string cn)
    {
        var request = key switch
        {
            RSA rsa => new CertificateRequest($"CN={cn}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest($"CN={cn}", ec, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("key"),
        };
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    [Fact]
    public void CA_bundle_with_several_PEM_certificates_loads_them_all()
    {
        using var a = RSA.Create(2048);
        using var b = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca1 = SelfSigned(a, "ca-1");
        using var ca2 = SelfSigned(b, "ca-2");
        var path = Write("ca.pem", ca1.ExportCertificatePem() + "\n" + ca2.ExportCertificatePem());

        var loaded = MqttCertificateLoader.LoadCaFile(path);
        Assert.Equal(["CN=ca-1", "CN=ca-2"], loaded.Select(c => c.Subject));
    }

    [Fact]
    public void A_CA_file_without_certificates_is_an_invalid_CA_file_naming_the_path()
    {
        var path = Write("empty.pem", "not a certificate");
        var error = Assert.Throws<MqttTlsException>(() => MqttCertificateLoader.LoadCaFile(path));
        Assert.Equal(MqttTlsFailureKind.InvalidCaFile, error.Kind);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(MqttTlsFailureKind.InvalidCaFile, Assert.Throws<MqttTlsException>(() => MqttCertificateLoader.LoadCaFile(path + ".missing")).Kind);
    }

    [Fact]
    public void Encrypted_PKCS8_RSA_key_loads_with_its_passphrase()
    {
        using var key = RSA.Create(2048);
        using var cert = SelfSigned(key, "device-rsa");
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000);
        var options = new MqttTlsOptions
        {
            ClientCertificateFile = Write("c.pem", cert.ExportCertificatePem()),
            ClientKeyFile = Write("c.key", key.ExportEncryptedPkcs8PrivateKeyPem("correct horse", pbe)),
            ClientKeyPassphrase = "correct horse",
        };

        var context = MqttCertificateLoader.LoadClientCertificate(options)!;
        Assert.True(context.TargetCertificate.HasPrivateKey);
        Assert.Equal("CN=device-rsa", context.TargetCertificate.Subject);
    }

    [Fact]
    public void A_wrong_passphrase_is_an_invalid_client_certificate_without_the_passphrase_in_the_message()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = SelfSigned(key, "device-ec");
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 10_000);
        var options = new MqttTlsOptions
        {
            ClientCertificateFile = Write("c.pem", cert.ExportCertificatePem()),
            ClientKeyFile = Write("c.key", key.ExportEncryptedPkcs8PrivateKeyPem("right-one", pbe)),
            ClientKeyPassphrase = "wrong-one",
        };

        var error = Assert.Throws<MqttTlsException>(() => MqttCertificateLoader.LoadClientCertificate(options));
        Assert.Equal(MqttTlsFailureKind.WrongKeyPassphrase, error.Kind);
        Assert.DoesNotContain("wrong-one", error.Message, StringComparison.Ordinal);
        Assert.Contains("ClientKeyPassphrase", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unencrypted_SEC1_EC_and_PKCS1_RSA_keys_load()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var ecCert = SelfSigned(ec, "ec");
        using var rsa = RSA.Create(2048);
        using var rsaCert = SelfSigned(rsa, "rsa");

        Assert.Contains("BEGIN EC PRIVATE KEY", ec.ExportECPrivateKeyPem(), StringComparison.Ordinal);
        var ecContext = MqttCertificateLoader.LoadClientCertificate(new MqttTlsOptions
        {
            ClientCertificateFile = Write("ec.pem", ecCert.ExportCertificatePem()),
            ClientKeyFile = Write("ec.key", ec.ExportECPrivateKeyPem()),
        })!;
        var rsaContext = MqttCertificateLoader.LoadClientCertificate(new MqttTlsOptions
        {
            ClientCertificateFile = Write("rsa.pem", rsaCert.ExportCertificatePem()),
            ClientKeyFile = Write("rsa.key", rsa.ExportRSAPrivateKeyPem()),
        })!;

        Assert.True(ecContext.TargetCertificate.HasPrivateKey);
        Assert.True(rsaContext.TargetCertificate.HasPrivateKey);
    }

    [Fact]
    public void A_key_that_does_not_belong_to_the_certificate_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var cert = SelfSigned(key, "device");
        var error = Assert.Throws<MqttTlsException>(() => MqttCertificateLoader.LoadClientCertificate(new MqttTlsOptions
        {
            ClientCertificateFile = Write("c.pem", cert.ExportCertificatePem()),
            ClientKeyFile = Write("c.key", other.ExportPkcs8PrivateKeyPem()),
        }));
        Assert.Equal(MqttTlsFailureKind.ClientKeyMismatch, error.Kind);
    }

    [Fact]
    public void PKCS12_file_loads_with_its_password_and_fails_clearly_without_it()
    {
        using var key = RSA.Create(2048);
        using var cert = SelfSigned(key, "device-p12");
        var path = Path.Combine(_dir.FullName, "c.p12");
        File.WriteAllBytes(path, cert.Export(X509ContentType.Pkcs12, "p12-pass"));

        var context = MqttCertificateLoader.LoadClientCertificate(new MqttTlsOptions { Pkcs12File = path, Pkcs12Password = "p12-pass" })!;
        Assert.True(context.TargetCertificate.HasPrivateKey);
        Assert.Equal("CN=device-p12", context.TargetCertificate.Subject);

        var error = Assert.Throws<MqttTlsException>(() => MqttCertificateLoader.LoadClientCertificate(new MqttTlsOptions { Pkcs12File = path, Pkcs12Password = "nope" }));
        Assert.Equal(MqttTlsFailureKind.WrongKeyPassphrase, error.Kind);
        Assert.DoesNotContain("nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_client_certificate_configured_loads_nothing()
    {
        Assert.Null(MqttCertificateLoader.LoadClientCertificate(new MqttTlsOptions()));
    }
}
