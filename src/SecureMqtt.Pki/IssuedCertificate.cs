using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

/// <summary>A certificate together with its private key, and the ways to write them out.</summary>
public sealed class IssuedCertificate : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    internal IssuedCertificate(X509Certificate2 certificate, AsymmetricAlgorithm key, X509Certificate2? issuer)
    {
        Certificate = certificate;
        _key = key;
        Issuer = issuer;
    }

    /// <summary>The certificate, with its private key attached (usable for <c>SslStream</c>).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate that signed it (public part only, owned by this object), or null when self-signed.</summary>
    public X509Certificate2? Issuer { get; }

    /// <summary>The certificate as PEM (<c>-----BEGIN CERTIFICATE-----</c>).</summary>
    public string CertificatePem => Certificate.ExportCertificatePem() + "\n";

    /// <summary>The private key as unencrypted PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>): keep the file owner-only.</summary>
    public string PrivateKeyPem => _key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>The private key as encrypted PKCS#8 PEM (<c>-----BEGIN ENCRYPTED PRIVATE KEY-----</c>), AES-256-CBC with a PBKDF2-SHA256 key.</summary>
    /// <param name="passphrase">The passphrase; must not be empty.</param>
    public string ExportEncryptedPrivateKeyPem(ReadOnlySpan<char> passphrase) => KeyPairs.ExportEncryptedPem(_key, passphrase);

    /// <summary>A PKCS#12 (.p12/.pfx) file holding the certificate, its key and the issuing CA certificate, protected with AES-256.</summary>
    /// <param name="passphrase">The passphrase that protects the file.</param>
    public byte[] ExportPkcs12(string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        var collection = new X509Certificate2Collection(Certificate);
        if (Issuer is not null)
        {
            collection.Add(Issuer);
        }

        return collection.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, passphrase)
            ?? throw new CryptographicException("PKCS#12 export produced no data.");
    }

    /// <summary>Disposes the certificate and key.</summary>
    public void Dispose()
    {
        Certificate.Dispose();
        Issuer?.Dispose();
        _key.Dispose();
    }
}
