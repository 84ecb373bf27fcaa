using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SecureMqtt.Tls;

/// <summary>
/// One X.509 CRL (RFC 5280 section 5), parsed far enough to check a chain offline: who issued it, when it is valid,
/// which serial numbers it revokes, which certificates it covers (issuingDistributionPoint), and the signed bytes.
/// .NET on Linux has no API to hand a CRL to the chain builder, so the client checks it itself. A CRL this reader
/// cannot honour completely (an unknown critical extension, a delta or indirect CRL, a PSS salt .NET cannot verify)
/// is refused when the file is loaded, never half-applied: a CRL read wrongly would say "not revoked".
/// </summary>
internal sealed partial class CertificateRevocationList
{
    private readonly byte[] _signedPart;
    private readonly byte[] _signature;
    private readonly SignatureAlgorithm _signatureAlgorithm;
    private readonly Dictionary<BigInteger, DateTimeOffset> _revoked;
    private readonly CrlScope _scope;

    private CertificateRevocationList(byte[] signedPart, SignatureAlgorithm signatureAlgorithm, byte[] signature, X500DistinguishedName issuer,
        DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, Dictionary<BigInteger, DateTimeOffset> revoked, CrlScope scope)
    {
        _signedPart = signedPart;
        _signatureAlgorithm = signatureAlgorithm;
        _signature = signature;
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        _revoked = revoked;
        _scope = scope;
    }

    public X500DistinguishedName Issuer { get; }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public int Count => _revoked.Count;

    /// <summary>The signature algorithm, as openssl names it (for messages).</summary>
    public string SignatureAlgorithmName => _signatureAlgorithm.Name;

    /// <summary>Reads every CRL in a PEM file (several "X509 CRL" blocks allowed) or a DER file.</summary>
    public static List<CertificateRevocationList> LoadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidCrlFile, $"Could not read the CRL file '{path}': {ex.Message}. Set MqttTlsOptions.CrlFile to a readable PEM or DER CRL.", ex);
        }

        var crls = new List<CertificateRevocationList>();
        try
        {
            var text = Encoding.ASCII.GetString(bytes);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                var rest = text.AsMemory();
                while (PemEncoding.TryFind(rest.Span, out var fields))
                {
                    if (rest.Span[fields.Label].SequenceEqual("X509 CRL"))
                    {
                        crls.Add(Parse(Convert.FromBase64String(rest.Span[fields.Base64Data].ToString())));
                    }

                    rest = rest[fields.Location.End..];
                }
            }
            else
            {
                crls.Add(Parse(bytes));
            }
        }
        catch (UnusableCrlException ex)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidCrlFile, $"The CRL file '{path}' holds a CRL that cannot be used: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is AsnContentException or CryptographicException or FormatException)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidCrlFile, $"The CRL file '{path}' is not a valid X.509 CRL: {ex.Message}. Export it again from the CA (smqtt certs revoke writes crl.pem).", ex);
        }

        if (crls.Count == 0)
        {
            throw new MqttTlsException(MqttTlsFailureKind.InvalidCrlFile, $"The CRL file '{path}' holds no \"-----BEGIN X509 CRL-----\" block. Set MqttTlsOptions.CrlFile to the CA's CRL (smqtt certs revoke writes crl.pem).");
        }

        return crls;
    }

    /// <summary>True when the CRL's signature verifies with <paramref name="issuer"/>'s public key.</summary>
    public bool IsSignedBy(X509Certificate2 issuer) => _signatureAlgorithm.Verify(issuer, _signedPart, _signature);

    /// <summary>True when this CRL names <paramref name="certificate"/>'s issuer as its own.</summary>
    public bool IsFrom(X509Certificate2 certificate) => Issuer.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    /// <summary>
    /// True when this CRL is from <paramref name="certificate"/>'s issuer and its scope includes the certificate
    /// (RFC 5280 section 6.3.3 (b)): a CRL for CA certificates only says nothing about a server's certificate, and a
    /// CRL for one distribution point only about certificates that name that point.
    /// </summary>
    public bool Covers(X509Certificate2 certificate) => IsFrom(certificate) && _scope.Includes(certificate);

    public bool TryGetRevocation(X509Certificate2 certificate, out DateTimeOffset revokedAt) =>
        _revoked.TryGetValue(new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true), out revokedAt);

    /// <summary>A CRL that is well formed but that this client refuses to act on; the message says why and what to do.</summary>
    internal sealed class UnusableCrlException(string message) : Exception(message);
}
