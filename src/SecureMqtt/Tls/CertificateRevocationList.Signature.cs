using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Tls;

internal sealed partial class CertificateRevocationList
{
    private const string RsaPssOid = "1.2.840.113549.1.1.10";
    private const string Mgf1Oid = "1.2.840.113549.1.1.8";

    /// <summary>
    /// A CRL's signature AlgorithmIdentifier, decoded into what .NET needs to verify it: RSA PKCS#1 v1.5, RSASSA-PSS
    /// (RFC 4055) or ECDSA (RFC 5758), with SHA-1 or SHA-2. Anything else is refused by name when the file is read,
    /// so an unsupported algorithm is not later mistaken for a forged signature.
    /// </summary>
    private sealed record SignatureAlgorithm(string Name, HashAlgorithmName Hash, RSASignaturePadding? RsaPadding)
    {
        private const string Supported = "sha256/384/512WithRSAEncryption, RSASSA-PSS with the salt as long as the hash, ecdsa-with-SHA256/384/512 (and their SHA-1 forms)";

        public static SignatureAlgorithm Decode(ReadOnlyMemory<byte> encoded)
        {
            var identifier = new AsnReader(encoded, AsnEncodingRules.DER).ReadSequence();
            var oid = identifier.ReadObjectIdentifier();
            switch (oid)
            {
                case "1.2.840.113549.1.1.5": return Rsa("sha1WithRSAEncryption", HashAlgorithmName.SHA1, identifier);
                case "1.2.840.113549.1.1.11": return Rsa("sha256WithRSAEncryption", HashAlgorithmName.SHA256, identifier);
                case "1.2.840.113549.1.1.12": return Rsa("sha384WithRSAEncryption", HashAlgorithmName.SHA384, identifier);
                case "1.2.840.113549.1.1.13": return Rsa("sha512WithRSAEncryption", HashAlgorithmName.SHA512, identifier);
                case "1.2.840.10045.4.1": return Ecdsa("ecdsa-with-SHA1", HashAlgorithmName.SHA1, identifier);
                case "1.2.840.10045.4.3.2": return Ecdsa("ecdsa-with-SHA256", HashAlgorithmName.SHA256, identifier);
                case "1.2.840.10045.4.3.3": return Ecdsa("ecdsa-with-SHA384", HashAlgorithmName.SHA384, identifier);
                case "1.2.840.10045.4.3.4": return Ecdsa("ecdsa-with-SHA512", HashAlgorithmName.SHA512, identifier);
                case RsaPssOid: return Pss(identifier);
                default:
                    throw new UnusableCrlException($"it is signed with the algorithm {oid}, which this client cannot verify (supported: {Supported}). Have the CA sign its CRL with one of those.");
            }
        }

        public bool Verify(X509Certificate2 issuer, byte[] signedPart, byte[] signature)
        {
            try
            {
                if (RsaPadding is not null)
                {
                    using var rsa = issuer.GetRSAPublicKey();
                    return rsa is not null && rsa.VerifyData(signedPart, signature, Hash, RsaPadding);
                }

                using var ecdsa = issuer.GetECDsaPublicKey();
                return ecdsa is not null && ecdsa.VerifyData(signedPart, signature, Hash, DSASignatureFormat.Rfc3279DerSequence);
            }
            catch (CryptographicException)
            {
                return false; // a key of another kind or size, or a signature that is not even well formed
            }
        }

        private static SignatureAlgorithm Rsa(string name, HashAlgorithmName hash, AsnReader identifier)
        {
            // [RFC 4055 5] The parameters are NULL; absent ones are tolerated, as every verifier does.
            if (identifier.HasData)
            {
                identifier.ReadNull();
            }

            identifier.ThrowIfNotEmpty();
            return new SignatureAlgorithm(name, hash, RSASignaturePadding.Pkcs1);
        }

        private static SignatureAlgorithm Ecdsa(string name, HashAlgorithmName hash, AsnReader identifier)
        {
            identifier.ThrowIfNotEmpty(); // [RFC 5758 3.2] the parameters are absent
            return new SignatureAlgorithm(name, hash, RsaPadding: null);
        }

        /// <summary>
        /// RSASSA-PSS-params (RFC 4055 section 3.1): hashAlgorithm [0] (default SHA-1), maskGenAlgorithm [1] (default
        /// MGF1 with SHA-1), saltLength [2] (default 20), trailerField [3] (must be 1). .NET verifies PSS only with MGF1
        /// over the same hash and a salt as long as the hash, so other choices are refused rather than failing as a
        /// "wrong signature".
        /// </summary>
        private static SignatureAlgorithm Pss(AsnReader identifier)
        {
            var parameters = identifier.ReadSequence();
            identifier.ThrowIfNotEmpty();
            var hash = HashAlgorithmName.SHA1;
            var mgfHash = HashAlgorithmName.SHA1;
            var saltLength = 20;
            if (Next(parameters, 0) is { } hashField)
            {
                hash = ReadHash(hashField.ReadSequence());
                hashField.ThrowIfNotEmpty();
            }

            if (Next(parameters, 1) is { } mgfField)
            {
                var mgf = mgfField.ReadSequence();
                var mgfOid = mgf.ReadObjectIdentifier();
                if (mgfOid != Mgf1Oid)
                {
                    throw new UnusableCrlException($"it is signed with RSASSA-PSS using the mask generation function {mgfOid}; only MGF1 is supported. Have the CA sign with rsa_padding_mode:pss and the default MGF1.");
                }

                mgfHash = ReadHash(mgf.ReadSequence());
                mgf.ThrowIfNotEmpty();
                mgfField.ThrowIfNotEmpty();
            }

            if (Next(parameters, 2) is { } saltField)
            {
                if (!saltField.TryReadInt32(out saltLength))
                {
                    throw new AsnContentException("The RSASSA-PSS salt length is out of range.");
                }

                saltField.ThrowIfNotEmpty();
            }

            if (Next(parameters, 3) is { } trailerField)
            {
                if (!trailerField.TryReadInt32(out var trailer) || trailer != 1)
                {
                    throw new UnusableCrlException("its RSASSA-PSS trailer field is not 1, the only value RFC 4055 defines.");
                }

                trailerField.ThrowIfNotEmpty();
            }

            parameters.ThrowIfNotEmpty();
            if (mgfHash != hash)
            {
                throw new UnusableCrlException($"it is signed with RSASSA-PSS over {hash.Name} but MGF1 over {mgfHash.Name}; .NET verifies PSS only with the same hash in both. Have the CA sign with -sigopt rsa_mgf1_md set to the digest.");
            }

            var hashLength = HashLength(hash);
            if (saltLength != hashLength)
            {
                throw new UnusableCrlException($"it is signed with RSASSA-PSS with a {saltLength}-byte salt; .NET verifies PSS only with a salt as long as the hash ({hashLength} bytes for {hash.Name}). Have the CA sign with -sigopt rsa_pss_saltlen:digest.");
            }

            return new SignatureAlgorithm($"rsassaPss ({hash.Name}, MGF1 {hash.Name}, salt {saltLength})", hash, RSASignaturePadding.Pss);
        }

        /// <summary>The EXPLICIT [tag] field of a SEQUENCE with optional, ordered fields, or null when absent.</summary>
        private static AsnReader? Next(AsnReader parameters, int tag)
        {
            var context = new Asn1Tag(TagClass.ContextSpecific, tag);
            return parameters.HasData && parameters.PeekTag().HasSameClassAndValue(context) ? parameters.ReadSequence(context) : null;
        }

        private static HashAlgorithmName ReadHash(AsnReader algorithm)
        {
            var oid = algorithm.ReadObjectIdentifier();
            if (algorithm.HasData)
            {
                algorithm.ReadNull();
            }

            algorithm.ThrowIfNotEmpty();
            return oid switch
            {
                "1.3.14.3.2.26" => HashAlgorithmName.SHA1,
                "2.16.840.1.101.3.4.2.1" => HashAlgorithmName.SHA256,
                "2.16.840.1.101.3.4.2.2" => HashAlgorithmName.SHA384,
                "2.16.840.1.101.3.4.2.3" => HashAlgorithmName.SHA512,
                _ => throw new UnusableCrlException($"it is signed with RSASSA-PSS over the hash {oid}, which is not supported (SHA-1, SHA-256, SHA-384, SHA-512 are)."),
            };
        }

        private static int HashLength(HashAlgorithmName hash) =>
            hash == HashAlgorithmName.SHA1 ? 20 : hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : 64;
    }
}
