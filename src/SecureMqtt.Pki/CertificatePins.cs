using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

/// <summary>Fingerprints and public-key pins of certificates.</summary>
public static class CertificatePins
{
    /// <summary>The prefix of a SPKI pin string.</summary>
    public const string PinPrefix = "sha256/";

    /// <summary>
    /// The SHA-256 hash of the certificate's SubjectPublicKeyInfo as <c>sha256/&lt;base64&gt;</c> (the HPKP form).
    /// It stays the same when a certificate is renewed with the same key, which is why clients pin it rather than the fingerprint.
    /// </summary>
    /// <param name="certificate">The certificate.</param>
    public static string SpkiSha256Pin(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return PinPrefix + Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The SHA-256 hash of the whole certificate as colon-separated upper-case hex, as <c>openssl x509 -fingerprint -sha256</c> prints it.</summary>
    /// <param name="certificate">The certificate.</param>
    public static string Sha256Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return string.Join(':', SHA256.HashData(certificate.RawData).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
