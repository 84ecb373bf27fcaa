using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

/// <summary>What a person needs to know about a certificate, decoded once for printing or asserting on.</summary>
/// <param name="Subject">Subject distinguished name.</param>
/// <param name="Issuer">Issuer distinguished name.</param>
/// <param name="SerialNumber">Serial number as upper-case hex.</param>
/// <param name="SubjectAlternativeNames">SAN entries as <c>DNS:name</c> and <c>IP:address</c>.</param>
/// <param name="NotBefore">Start of validity (UTC).</param>
/// <param name="NotAfter">End of validity (UTC).</param>
/// <param name="KeyType">Public key type and size, e.g. <c>EC P-256</c> or <c>RSA 2048</c>.</param>
/// <param name="IsCertificateAuthority">Whether basicConstraints says CA:TRUE.</param>
/// <param name="KeyUsages">Key usage names, e.g. <c>digitalSignature</c>.</param>
/// <param name="ExtendedKeyUsages">Extended key usage names, e.g. <c>serverAuth</c>.</param>
/// <param name="Sha256Fingerprint">SHA-256 of the whole certificate, colon-separated hex.</param>
/// <param name="SpkiPin">SHA-256 pin of the public key, <c>sha256/&lt;base64&gt;</c>.</param>
public sealed record CertificateDetails(
    string Subject,
    string Issuer,
    string SerialNumber,
    IReadOnlyList<string> SubjectAlternativeNames,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string KeyType,
    bool IsCertificateAuthority,
    IReadOnlyList<string> KeyUsages,
    IReadOnlyList<string> ExtendedKeyUsages,
    string Sha256Fingerprint,
    string SpkiPin)
{
    /// <summary>Whether subject and issuer are the same (a root CA, or a self-signed leaf).</summary>
    public bool IsSelfIssued => Subject == Issuer;

    /// <summary>Decodes a certificate.</summary>
    /// <param name="certificate">The certificate.</param>
    public static CertificateDetails From(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var sans = new List<string>();
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            sans.AddRange(extension.EnumerateDnsNames().Select(n => "DNS:" + n));
            sans.AddRange(extension.EnumerateIPAddresses().Select(a => "IP:" + a));
        }

        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages ?? X509KeyUsageFlags.None;
        var ekus = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>())
            .Select(oid => oid.Value switch
            {
                "1.3.6.1.5.5.7.3.1" => "serverAuth",
                "1.3.6.1.5.5.7.3.2" => "clientAuth",
                _ => oid.FriendlyName ?? oid.Value ?? "?",
            })
            .ToList();
        return new CertificateDetails(
            certificate.Subject,
            certificate.Issuer,
            certificate.SerialNumber,
            sans,
            new DateTimeOffset(certificate.NotBefore.ToUniversalTime()),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
            DescribeKey(certificate),
            certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority),
            KeyUsageNames(usage),
            ekus,
            CertificatePins.Sha256Fingerprint(certificate),
            CertificatePins.SpkiSha256Pin(certificate));
    }

    /// <summary>Whole days until expiry (negative once expired).</summary>
    /// <param name="now">The current time.</param>
    public int DaysLeft(DateTimeOffset now) => (int)Math.Floor((NotAfter - now).TotalDays);

    private static string DescribeKey(X509Certificate2 certificate)
    {
        using var ec = certificate.GetECDsaPublicKey();
        if (ec is not null)
        {
            var curve = ec.ExportParameters(false).Curve.Oid;
            var name = curve.Value switch
            {
                "1.2.840.10045.3.1.7" => "P-256",
                "1.3.132.0.34" => "P-384",
                "1.3.132.0.35" => "P-521",
                _ => curve.FriendlyName ?? curve.Value,
            };
            return $"EC {name}";
        }

        using var rsa = certificate.GetRSAPublicKey();
        return rsa is not null
            ? string.Create(CultureInfo.InvariantCulture, $"RSA {rsa.KeySize}")
            : certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value ?? "unknown";
    }

    private static List<string> KeyUsageNames(X509KeyUsageFlags usage)
    {
        (X509KeyUsageFlags Flag, string Name)[] names =
        [
            (X509KeyUsageFlags.DigitalSignature, "digitalSignature"),
            (X509KeyUsageFlags.NonRepudiation, "nonRepudiation"),
            (X509KeyUsageFlags.KeyEncipherment, "keyEncipherment"),
            (X509KeyUsageFlags.DataEncipherment, "dataEncipherment"),
            (X509KeyUsageFlags.KeyAgreement, "keyAgreement"),
            (X509KeyUsageFlags.KeyCertSign, "keyCertSign"),
            (X509KeyUsageFlags.CrlSign, "cRLSign"),
            (X509KeyUsageFlags.EncipherOnly, "encipherOnly"),
            (X509KeyUsageFlags.DecipherOnly, "decipherOnly"),
        ];
        return [.. names.Where(n => (usage & n.Flag) != 0).Select(n => n.Name)];
    }
}
