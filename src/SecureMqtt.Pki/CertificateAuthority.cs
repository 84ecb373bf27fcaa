using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

/// <summary>
/// A certificate authority: a self-signed CA certificate and its private key, which signs the broker's and
/// the devices' certificates and the revocation list.
/// </summary>
public sealed partial class CertificateAuthority : IDisposable
{
    /// <summary>Default CA lifetime: ten years, because replacing a CA means touching every device.</summary>
    public const int DefaultValidityDays = 3650;

    private readonly AsymmetricAlgorithm _key;
    private readonly TimeProvider _time;

    private CertificateAuthority(X509Certificate2 certificate, AsymmetricAlgorithm key, TimeProvider time)
    {
        Certificate = certificate;
        _key = key;
        _time = time;
    }

    /// <summary>The CA certificate, with its private key attached.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate as PEM.</summary>
    public string CertificatePem => Certificate.ExportCertificatePem() + "\n";

    /// <summary>The CA private key as unencrypted PKCS#8 PEM: keep the file owner-only.</summary>
    public string PrivateKeyPem => _key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>The CA private key as encrypted PKCS#8 PEM, AES-256-CBC with a PBKDF2-SHA256 key.</summary>
    /// <param name="passphrase">The passphrase; must not be empty.</param>
    public string ExportEncryptedPrivateKeyPem(ReadOnlySpan<char> passphrase) => KeyPairs.ExportEncryptedPem(_key, passphrase);

    /// <summary>Creates a new CA with a fresh key pair and a self-signed certificate whose subject is <c>CN=<paramref name="commonName"/></c>.</summary>
    /// <param name="commonName">The CA's name, e.g. <c>My MQTT CA</c>.</param>
    /// <param name="algorithm">Key pair type and size. Default ECDSA P-256.</param>
    /// <param name="validityDays">Lifetime in days. Default ten years.</param>
    /// <param name="notBefore">Start of validity. Default: one hour ago, so leaves back-dated for clock skew still nest inside it.</param>
    /// <param name="time">Clock; default <see cref="TimeProvider.System"/>.</param>
    public static CertificateAuthority Create(
        string commonName,
        KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256,
        int validityDays = DefaultValidityDays,
        DateTimeOffset? notBefore = null,
        TimeProvider? time = null) =>
        Create(CommonNameSubject(commonName, nameof(commonName)), algorithm, validityDays, notBefore, time);

    /// <summary>Creates a new CA with a fresh key pair and a self-signed certificate with the given subject.</summary>
    /// <param name="subject">Distinguished name, e.g. <c>CN=My MQTT CA, O=Example</c>.</param>
    /// <param name="algorithm">Key pair type and size. Default ECDSA P-256.</param>
    /// <param name="validityDays">Lifetime in days. Default ten years.</param>
    /// <param name="notBefore">Start of validity. Default: one hour ago.</param>
    /// <param name="time">Clock; default <see cref="TimeProvider.System"/>.</param>
    public static CertificateAuthority Create(
        X500DistinguishedName subject,
        KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256,
        int validityDays = DefaultValidityDays,
        DateTimeOffset? notBefore = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentOutOfRangeException.ThrowIfLessThan(validityDays, 1);
        time ??= TimeProvider.System;
        var key = KeyPairs.Create(algorithm);
        try
        {
            var request = KeyPairs.CreateRequest(subject, key, key);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(
                X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

            var options = new CertificateOptions { NotBefore = notBefore ?? time.GetUtcNow().AddHours(-1), ValidityDays = validityDays };
            var (from, to) = options.ResolveValidity(time);
            using var unsigned = request.Create(subject, KeyPairs.SignatureGenerator(key), from, to, KeyPairs.NewSerialNumber());
            return new CertificateAuthority(KeyPairs.WithPrivateKey(unsigned, key), key, time);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads a CA from its PEM certificate and PEM private key (PKCS#8, encrypted or not, or the traditional
    /// EC/RSA forms), and checks that the certificate really is a CA and matches the key.
    /// </summary>
    /// <param name="certificatePemPath">The CA certificate file.</param>
    /// <param name="keyPemPath">The CA private key file.</param>
    /// <param name="passphrase">Passphrase of an encrypted key; ignored for an unencrypted one.</param>
    /// <param name="time">Clock; default <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="PkiException">The files are missing, unreadable, not a CA, do not match, or the passphrase is wrong.</exception>
    public static CertificateAuthority Load(
        string certificatePemPath,
        string keyPemPath,
        ReadOnlySpan<char> passphrase = default,
        TimeProvider? time = null)
    {
        var certificate = PemReader.ReadCertificate(certificatePemPath);
        try
        {
            EnsureIsCa(certificate, certificatePemPath);
            var key = PemReader.ReadPrivateKey(keyPemPath, passphrase);
            try
            {
                var withKey = PemReader.Attach(certificate, key, certificatePemPath, keyPemPath);
                return new CertificateAuthority(withKey, key, time ?? TimeProvider.System);
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }
        finally
        {
            certificate.Dispose();
        }
    }

    /// <summary>Disposes the certificate and key.</summary>
    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }

    private static void EnsureIsCa(X509Certificate2 certificate, string path)
    {
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
        {
            throw new PkiException($"{path} is not a CA certificate (basicConstraints CA:TRUE is missing): pass the CA's certificate, not a server or device certificate.");
        }

        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage is not null && (usage.KeyUsages & X509KeyUsageFlags.KeyCertSign) == 0)
        {
            throw new PkiException($"{path} is a CA certificate whose key usage does not allow signing certificates (keyCertSign): use a CA made for issuing.");
        }
    }

    private static X500DistinguishedName CommonNameSubject(string commonName, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(commonName))
        {
            throw new ArgumentException("The common name must not be empty.", parameterName);
        }

        if (commonName.Any(char.IsControl))
        {
            throw new ArgumentException("The common name must not contain control characters.", parameterName);
        }

        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName.Trim());
        return builder.Build();
    }
}
