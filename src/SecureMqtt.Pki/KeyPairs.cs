using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

/// <summary>Creates key pairs and the matching signature settings for each <see cref="KeyAlgorithm"/>.</summary>
internal static class KeyPairs
{
    public static AsymmetricAlgorithm Create(KeyAlgorithm algorithm) => algorithm switch
    {
        KeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        KeyAlgorithm.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        KeyAlgorithm.Rsa2048 => RSA.Create(2048),
        KeyAlgorithm.Rsa3072 => RSA.Create(3072),
        KeyAlgorithm.Rsa4096 => RSA.Create(4096),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown key algorithm."),
    };

    /// <summary>SHA-384 for P-384 keys so the signature is as strong as the key; SHA-256 otherwise.</summary>
    public static HashAlgorithmName HashFor(AsymmetricAlgorithm key) =>
        key is ECDsa { KeySize: >= 384 } ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    /// <summary>A request for <paramref name="key"/>'s certificate, hashed to suit <paramref name="signingKey"/> (the CA's key, or the same key when self-signed).</summary>
    public static CertificateRequest CreateRequest(X500DistinguishedName subject, AsymmetricAlgorithm key, AsymmetricAlgorithm signingKey) => key switch
    {
        ECDsa ec => new CertificateRequest(subject, ec, HashFor(signingKey)),
        RSA rsa => new CertificateRequest(subject, rsa, HashFor(signingKey), RSASignaturePadding.Pkcs1),
        _ => throw new NotSupportedException($"Unsupported key type {key.GetType().Name}."),
    };

    public static X509SignatureGenerator SignatureGenerator(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new NotSupportedException($"Unsupported key type {key.GetType().Name}."),
    };

    public static X509Certificate2 WithPrivateKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => certificate.CopyWithPrivateKey(ec),
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        _ => throw new NotSupportedException($"Unsupported key type {key.GetType().Name}."),
    };

    public static AsymmetricAlgorithm PrivateKeyOf(X509Certificate2 certificate) =>
        (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey()
        ?? certificate.GetRSAPrivateKey()
        ?? throw new ArgumentException("The certificate has no ECDSA or RSA private key.", nameof(certificate));

    /// <summary>PBKDF2 iterations for encrypted PKCS#8 files (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).</summary>
    public const int KeyDerivationIterations = 600_000;

    public static string ExportEncryptedPem(AsymmetricAlgorithm key, ReadOnlySpan<char> passphrase)
    {
        if (passphrase.IsEmpty)
        {
            throw new ArgumentException("The passphrase must not be empty.", nameof(passphrase));
        }

        var parameters = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, KeyDerivationIterations);
        return key.ExportEncryptedPkcs8PrivateKeyPem(passphrase, parameters) + "\n";
    }

    /// <summary>Random positive 16-byte serial: RFC 5280 allows up to 20 octets, and the clear top bit keeps it positive.</summary>
    public static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01; // a leading zero octet would be dropped in DER and shorten the serial
        return serial;
    }
}
