using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SecureMqtt.Tls;

/// <summary>
/// One X.509 CRL (RFC 5280 section 5), parsed just far enough to check a chain offline: who issued it, when it is
/// valid, which serial numbers it revokes, and the signed bytes. .NET on Linux has no API to hand a CRL to the
/// chain builder, so the client checks it itself.
/// </summary>
internal sealed class CertificateRevocationList
{
    private readonly byte[] _signedPart;
    private readonly byte[] _signature;
    private readonly string _signatureAlgorithm;
    private readonly Dictionary<BigInteger, DateTimeOffset> _revoked;

    private CertificateRevocationList(byte[] signedPart, string signatureAlgorithm, byte[] signature, X500DistinguishedName issuer,
        DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, Dictionary<BigInteger, DateTimeOffset> revoked)
    {
        _signedPart = signedPart;
        _signatureAlgorithm = signatureAlgorithm;
        _signature = signature;
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        _revoked = revoked;
    }

    public X500DistinguishedName Issuer { get; }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public int Count => _revoked.Count;

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

    public static CertificateRevocationList Parse(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var signedPart = outer.ReadEncodedValue().ToArray();
        var algorithm = outer.ReadSequence().ReadObjectIdentifier();
        var signature = outer.ReadBitString(out _);

        var tbs = new AsnReader(signedPart, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger(); // version v2
        }

        tbs.ReadSequence(); // inner signature algorithm, the same as the outer one
        var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        var thisUpdate = ReadTime(tbs);
        DateTimeOffset? nextUpdate = null;
        if (tbs.HasData && IsTime(tbs.PeekTag()))
        {
            nextUpdate = ReadTime(tbs);
        }

        var revoked = new Dictionary<BigInteger, DateTimeOffset>();
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                var serial = entry.ReadInteger();
                revoked[serial] = ReadTime(entry);
            }
        }

        return new CertificateRevocationList(signedPart, algorithm, signature, issuer, thisUpdate, nextUpdate, revoked);
    }

    /// <summary>True when the CRL's signature verifies with <paramref name="issuer"/>'s public key.</summary>
    public bool IsSignedBy(X509Certificate2 issuer)
    {
        HashAlgorithmName? hash = _signatureAlgorithm switch
        {
            "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
            "1.2.840.113549.1.1.5" or "1.2.840.10045.4.1" => HashAlgorithmName.SHA1,
            _ => null,
        };
        if (hash is null)
        {
            return false;
        }

        try
        {
            using var rsa = issuer.GetRSAPublicKey();
            if (rsa is not null)
            {
                return rsa.VerifyData(_signedPart, _signature, hash.Value, RSASignaturePadding.Pkcs1);
            }

            using var ecdsa = issuer.GetECDsaPublicKey();
            return ecdsa is not null && ecdsa.VerifyData(_signedPart, _signature, hash.Value, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public bool IsFrom(X509Certificate2 certificate) => Issuer.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    public bool TryGetRevocation(X509Certificate2 certificate, out DateTimeOffset revokedAt) =>
        _revoked.TryGetValue(new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true), out revokedAt);

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
