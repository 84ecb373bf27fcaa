using System.Formats.Asn1;
using System.Numerics;

namespace SecureMqtt.Tls;

internal sealed partial class CertificateRevocationList
{
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";
    private const string CrlNumberOid = "2.5.29.20";
    private const string DeltaCrlIndicatorOid = "2.5.29.27";
    private const string IssuingDistributionPointOid = "2.5.29.28";
    private const string FreshestCrlOid = "2.5.29.46";
    private const string AuthorityInfoAccessOid = "1.3.6.1.5.5.7.1.1";
    private const string ReasonCodeOid = "2.5.29.21";
    private const string InvalidityDateOid = "2.5.29.24";
    private const string CertificateIssuerOid = "2.5.29.29";
    private const int RemoveFromCrl = 8;

    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0);

    /// <summary>
    /// Parses a DER CRL. Throws <see cref="AsnContentException"/> for malformed DER and
    /// <see cref="UnusableCrlException"/> for a CRL that is well formed but cannot be honoured (RFC 5280 section 5.2:
    /// a CRL with an unrecognised critical extension must not be used to decide revocation).
    /// </summary>
    public static CertificateRevocationList Parse(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var outer = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var signedPart = outer.ReadEncodedValue().ToArray();
        var outerAlgorithm = outer.ReadEncodedValue();
        var signature = outer.ReadBitString(out var unusedBits);
        outer.ThrowIfNotEmpty();
        if (unusedBits != 0)
        {
            throw new AsnContentException("The CRL's signature is not a whole number of bytes.");
        }

        var algorithm = SignatureAlgorithm.Decode(outerAlgorithm);
        var tbs = new AsnReader(signedPart, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            var version = tbs.ReadInteger();
            if (version != BigInteger.One)
            {
                throw new UnusableCrlException($"it declares CRL version {version + 1}; only version 2 (and version 1, without the field) exist.");
            }
        }

        // [RFC 5280 5.1.1.2] The signed copy of the algorithm must equal the unsigned one, or an attacker could swap it.
        if (!tbs.ReadEncodedValue().Span.SequenceEqual(outerAlgorithm.Span))
        {
            throw new UnusableCrlException("the signature algorithm inside the signed part differs from the one outside it (RFC 5280 section 5.1.1.2), so the CRL was altered. Export a fresh CRL from the CA.");
        }

        var issuer = new System.Security.Cryptography.X509Certificates.X500DistinguishedName(tbs.ReadEncodedValue().Span);
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
                if (entry.HasData)
                {
                    CheckEntryExtensions(entry.ReadSequence(), serial);
                }

                entry.ThrowIfNotEmpty();
            }
        }

        var scope = CrlScope.All;
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Context0))
        {
            var extensions = tbs.ReadSequence(Context0);
            scope = ReadCrlExtensions(extensions.ReadSequence());
            extensions.ThrowIfNotEmpty();
        }

        tbs.ThrowIfNotEmpty();
        return new CertificateRevocationList(signedPart, algorithm, signature, issuer, thisUpdate, nextUpdate, revoked, scope);
    }

    private static CrlScope ReadCrlExtensions(AsnReader extensions)
    {
        var scope = CrlScope.All;
        foreach (var (oid, critical, value) in ReadExtensions(extensions, "the CRL"))
        {
            switch (oid)
            {
                case DeltaCrlIndicatorOid:
                    throw new UnusableCrlException("it is a delta CRL (deltaCRLIndicator, 2.5.29.27), which lists only the changes since a base CRL; delta CRLs are not supported; give the full CRL (openssl ca -gencrl without a deltaCRLIndicator extension).");
                case IssuingDistributionPointOid:
                    scope = CrlScope.Read(value);
                    break;
                case AuthorityKeyIdentifierOid or CrlNumberOid or FreshestCrlOid or AuthorityInfoAccessOid:
                    break; // understood; nothing in them changes what the CRL says about a certificate
                default:
                    if (critical)
                    {
                        throw new UnusableCrlException($"it carries the critical extension {oid}, which this client does not understand; RFC 5280 section 5.2 forbids using such a CRL. Have the CA issue the CRL without that extension, or mark it non-critical.");
                    }

                    break;
            }
        }

        return scope;
    }

    private static void CheckEntryExtensions(AsnReader extensions, BigInteger serial)
    {
        foreach (var (oid, critical, value) in ReadExtensions(extensions, $"the entry for serial {serial:X}"))
        {
            switch (oid)
            {
                case CertificateIssuerOid:
                    throw new UnusableCrlException($"it is an indirect CRL: the entry for serial {serial:X} names another certificate issuer (certificateIssuer, 2.5.29.29). Indirect CRLs are not supported; give the CRL that the issuing CA signed itself.");
                case ReasonCodeOid:
                    var reason = new BigInteger(new AsnReader(value, AsnEncodingRules.DER).ReadEnumeratedBytes().Span, isUnsigned: false, isBigEndian: true);
                    if (reason == RemoveFromCrl)
                    {
                        throw new UnusableCrlException($"the entry for serial {serial:X} has the reason removeFromCRL, which belongs only in delta CRLs (RFC 5280 section 5.3.1); give the full CRL.");
                    }

                    break;
                case InvalidityDateOid:
                    break;
                default:
                    if (critical)
                    {
                        throw new UnusableCrlException($"the entry for serial {serial:X} carries the critical extension {oid}, which this client does not understand; RFC 5280 section 5.3 forbids using such a CRL.");
                    }

                    break;
            }
        }
    }

    /// <summary>Reads Extensions (RFC 5280 section 4.1): each once, with its criticality and the contents of extnValue.</summary>
    private static List<(string Oid, bool Critical, byte[] Value)> ReadExtensions(AsnReader extensions, string owner)
    {
        var list = new List<(string, bool, byte[])>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (extensions.HasData)
        {
            var extension = extensions.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
            var value = extension.ReadOctetString();
            extension.ThrowIfNotEmpty();
            if (!seen.Add(oid))
            {
                throw new UnusableCrlException($"{owner} carries the extension {oid} twice (RFC 5280 section 4.2 allows each once).");
            }

            list.Add((oid, critical, value));
        }

        return list;
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
