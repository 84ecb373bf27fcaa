using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

public sealed partial class CertificateAuthority
{
    /// <summary>Default CRL lifetime. OpenSSL (and so Mosquitto) rejects every client once the CRL's nextUpdate has passed, so it is generous.</summary>
    public const int DefaultCrlValidityDays = 365;

    /// <summary>
    /// Creates an X.509 CRL signed by this CA listing <paramref name="revoked"/>, in PEM (<c>-----BEGIN X509 CRL-----</c>),
    /// the form Mosquitto's <c>crlfile</c> and <c>openssl crl</c> read.
    /// </summary>
    /// <param name="revoked">The revoked certificates (may be empty: an empty CRL is valid and says nothing is revoked).</param>
    /// <param name="crlNumber">Monotonically increasing CRL number, so relying parties can tell a newer list from an older one.</param>
    /// <param name="validityDays">Days until nextUpdate; the CRL must be re-issued before then.</param>
    public string CreateCrlPem(IEnumerable<RevokedCertificate> revoked, BigInteger crlNumber, int validityDays = DefaultCrlValidityDays) =>
        PemEncoding.WriteString("X509 CRL", CreateCrl(revoked, crlNumber, validityDays)) + "\n";

    /// <summary>Creates an X.509 CRL signed by this CA listing <paramref name="revoked"/>, DER encoded.</summary>
    /// <param name="revoked">The revoked certificates.</param>
    /// <param name="crlNumber">Monotonically increasing CRL number.</param>
    /// <param name="validityDays">Days until nextUpdate.</param>
    public byte[] CreateCrl(IEnumerable<RevokedCertificate> revoked, BigInteger crlNumber, int validityDays = DefaultCrlValidityDays)
    {
        ArgumentNullException.ThrowIfNull(revoked);
        ArgumentOutOfRangeException.ThrowIfLessThan(validityDays, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(crlNumber);
        var builder = new CertificateRevocationListBuilder();
        foreach (var entry in revoked)
        {
            builder.AddEntry(Convert.FromHexString(entry.SerialNumber), entry.RevokedAt, entry.Reason);
        }

        var now = _time.GetUtcNow();
        var rsaPadding = _key is RSA ? RSASignaturePadding.Pkcs1 : null;
        return builder.Build(Certificate, crlNumber, now.AddDays(validityDays), KeyPairs.HashFor(_key), rsaPadding, now.AddMinutes(-5));
    }
}
