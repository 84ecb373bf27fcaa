using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Tls;

/// <summary>
/// The weak-crypto policy. .NET on Linux accepts a chain signed with SHA-1 or holding a 1024-bit RSA key, while
/// OpenSSL's default security level (and so mosquitto_pub) refuses both; this client refuses them too, as OpenSSL
/// security level 2 would: no SHA-1/MD5 signature below a self-signed root (whose own signature protects nothing),
/// RSA/DSA of at least 2048 bits, EC of at least 224 bits.
/// </summary>
internal sealed partial class ServerCertificateVerifier
{
    private static readonly Dictionary<string, string> WeakSignatures = new(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.2"] = "MD2 with RSA",
        ["1.2.840.113549.1.1.4"] = "MD5 with RSA",
        ["1.2.840.113549.1.1.5"] = "SHA-1 with RSA",
        ["1.3.14.3.2.29"] = "SHA-1 with RSA",
        ["1.2.840.10045.4.1"] = "ECDSA with SHA-1",
        ["1.2.840.10040.4.3"] = "DSA with SHA-1",
    };

    private MqttTlsException? CheckWeakCrypto(List<X509Certificate2> elements)
    {
        var problems = new List<string>();
        for (var i = 0; i < elements.Count; i++)
        {
            var certificate = elements[i];
            var isRoot = i == elements.Count - 1 && IsSelfIssued(certificate);
            if (!isRoot && WeakSignatures.TryGetValue(certificate.SignatureAlgorithm.Value ?? string.Empty, out var signature))
            {
                problems.Add($"'{certificate.Subject}' is signed with {signature}");
            }

            if (WeakKey(certificate) is { } key)
            {
                problems.Add($"'{certificate.Subject}' has {key}");
            }
        }

        if (problems.Count == 0)
        {
            return null;
        }

        var weakness = string.Join("; ", problems);
        if (options.AllowWeakServerCertificates)
        {
            Log.WeakServerCertificateAllowed(logger, targetHost, weakness);
            return null;
        }

        return new MqttTlsException(MqttTlsFailureKind.WeakServerCertificate,
            $"The broker's certificate chain uses weak cryptography: {weakness}. SHA-1/MD5 signatures can be forged and such keys broken; OpenSSL clients such as mosquitto_pub refuse them too. " +
            "Re-issue the broker's certificate with SHA-256 and an RSA 2048+ or EC P-256 key (smqtt certs server). " +
            "Only for a device that cannot be changed: MqttTlsOptions.AllowWeakServerCertificates = true (logged as a warning on every connection).");
    }

    private static string? WeakKey(X509Certificate2 certificate)
    {
        try
        {
            return PublicKeySize.Of(certificate.PublicKey) switch
            {
                ("RSA", < 2048) and var (_, bits) => $"a {bits}-bit RSA key (minimum 2048)",
                ("DSA", < 2048) and var (_, bits) => $"a {bits}-bit DSA key (minimum 2048)",
                ("EC", < 224) and var (_, bits) => $"a {bits}-bit EC key (minimum 224)",
                _ => null,
            };
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return "a public key this platform cannot read";
        }
    }
}
