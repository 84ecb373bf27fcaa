using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Tls;

internal sealed partial class CertificateRevocationList
{
    private const string CrlDistributionPointsOid = "2.5.29.31";

    /// <summary>
    /// Which certificates a CRL speaks for, from its issuingDistributionPoint extension (RFC 5280 section 5.2.5).
    /// The parts that would make the CRL incomplete for a certificate in a way this client cannot see through
    /// (a partition by reason, an indirect CRL, attribute certificates) are refused when read.
    /// </summary>
    private sealed class CrlScope
    {
        public static readonly CrlScope All = new(onlyUserCertificates: false, onlyCaCertificates: false, distributionPoint: null);

        private readonly bool _onlyUserCertificates;
        private readonly bool _onlyCaCertificates;
        private readonly List<byte[]>? _distributionPoint;

        private CrlScope(bool onlyUserCertificates, bool onlyCaCertificates, List<byte[]>? distributionPoint)
        {
            _onlyUserCertificates = onlyUserCertificates;
            _onlyCaCertificates = onlyCaCertificates;
            _distributionPoint = distributionPoint;
        }

        public static CrlScope Read(byte[] extensionValue)
        {
            var idp = new AsnReader(extensionValue, AsnEncodingRules.DER).ReadSequence();
            List<byte[]>? point = null;
            if (idp.HasData && idp.PeekTag().HasSameClassAndValue(Context0))
            {
                point = ReadDistributionPointName(idp.ReadSequence(Context0), "the CRL's issuingDistributionPoint");
            }

            var onlyUser = ReadFlag(idp, 1);
            var onlyCa = ReadFlag(idp, 2);
            if (idp.HasData && idp.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 3)))
            {
                throw new UnusableCrlException("it covers only some revocation reasons (issuingDistributionPoint onlySomeReasons), so a certificate missing from it may still be revoked for another reason. Give the CA's complete CRL.");
            }

            if (ReadFlag(idp, 4))
            {
                throw new UnusableCrlException("it is an indirect CRL (issuingDistributionPoint indirectCRL), which may list certificates of other issuers. Indirect CRLs are not supported; give the CRL that the issuing CA signed itself.");
            }

            if (ReadFlag(idp, 5))
            {
                throw new UnusableCrlException("it covers only attribute certificates (issuingDistributionPoint onlyContainsAttributeCerts), never a TLS server's certificate. Give the CA's CRL for public-key certificates.");
            }

            idp.ThrowIfNotEmpty();
            if (onlyUser && onlyCa)
            {
                throw new UnusableCrlException("its issuingDistributionPoint says both onlyContainsUserCerts and onlyContainsCACerts, which RFC 5280 section 5.2.5 forbids.");
            }

            return new CrlScope(onlyUser, onlyCa, point);
        }

        public bool Includes(X509Certificate2 certificate)
        {
            var isCa = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault()?.CertificateAuthority ?? false;
            if ((_onlyUserCertificates && isCa) || (_onlyCaCertificates && !isCa))
            {
                return false;
            }

            if (_distributionPoint is null)
            {
                return true;
            }

            // [RFC 5280 6.3.3 (b)(2)(i)] A CRL for one distribution point covers the certificates that name that point.
            var extension = certificate.Extensions[CrlDistributionPointsOid];
            if (extension is null)
            {
                return false;
            }

            try
            {
                var points = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
                while (points.HasData)
                {
                    var point = points.ReadSequence();
                    if (point.HasData && point.PeekTag().HasSameClassAndValue(Context0))
                    {
                        var names = ReadDistributionPointName(point.ReadSequence(Context0), "the certificate's cRLDistributionPoints");
                        if (names.Any(n => _distributionPoint.Any(d => d.AsSpan().SequenceEqual(n))))
                        {
                            return true;
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is AsnContentException or UnusableCrlException)
            {
                return false; // a distribution point we cannot read cannot be shown to match
            }

            return false;
        }

        /// <summary>DistributionPointName ::= CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] }: the encoded GeneralNames.</summary>
        private static List<byte[]> ReadDistributionPointName(AsnReader name, string owner)
        {
            if (!name.PeekTag().HasSameClassAndValue(Context0))
            {
                throw new UnusableCrlException($"{owner} names its distribution point relative to the CRL issuer (nameRelativeToCRLIssuer), which is not supported. Have the CA use a full name (fullname=URI:...).");
            }

            var fullName = name.ReadSequence(Context0);
            var names = new List<byte[]>();
            while (fullName.HasData)
            {
                names.Add(fullName.ReadEncodedValue().ToArray());
            }

            return names;
        }

        private static bool ReadFlag(AsnReader reader, int tag)
        {
            var context = new Asn1Tag(TagClass.ContextSpecific, tag);
            return reader.HasData && reader.PeekTag().HasSameClassAndValue(context) && reader.ReadBoolean(context);
        }
    }
}
