using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Tls;

/// <summary>
/// The size of a certificate's public key, read from its SubjectPublicKeyInfo bytes. Asking the platform
/// (<c>GetRSAPublicKey().KeySize</c>) imports the key into OpenSSL, which under OpenSSL 3 runs its decoder lookup and
/// cost about 0.1 ms per certificate on every connect; the weak-crypto policy needs only the number of bits.
/// </summary>
internal static class PublicKeySize
{
    internal const string RsaOid = "1.2.840.113549.1.1.1";
    internal const string DsaOid = "1.2.840.10040.4.1";
    internal const string EcOid = "1.2.840.10045.2.1";

    /// <summary>The algorithm name and key size in bits, or null for an algorithm the policy does not size.</summary>
    /// <exception cref="CryptographicException">The key's encoding is malformed.</exception>
    public static (string Algorithm, int Bits)? Of(PublicKey key)
    {
        try
        {
            return key.Oid.Value switch
            {
                RsaOid => ("RSA", FirstIntegerBits(key.EncodedKeyValue.RawData)),
                // DSA parameters may be absent and inherited from the issuer [RFC 3279 2.3.2]: then there is no size
                // to read here, as the platform could not read one either.
                DsaOid when key.EncodedParameters is { RawData.Length: > 0 } parameters => ("DSA", FirstIntegerBits(parameters.RawData)),
                DsaOid => null,
                EcOid when key.EncodedParameters is { RawData.Length: > 0 } parameters => ("EC", EcBits(parameters.RawData, key.EncodedKeyValue.RawData)),
                EcOid => throw new CryptographicException("The certificate's EC public key names no curve."),
                _ => null,
            };
        }
        catch (AsnContentException ex)
        {
            throw new CryptographicException("The certificate's public key is not valid DER.", ex);
        }
    }

    // Both sizes are the first INTEGER of a SEQUENCE: RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
    // [RFC 8017 A.1.1], and Dss-Parms ::= SEQUENCE { p, q, g } [RFC 3279 2.3.2], where the key size is p's.
    private static int FirstIntegerBits(byte[] sequence) =>
        Bits(new AsnReader(sequence, AsnEncodingRules.DER).ReadSequence().ReadIntegerBytes().Span);

    // A named curve's size from its OID [RFC 5480 2.1.1.1, RFC 5639]; otherwise (explicit parameters, a curve not
    // listed) from the public point, whose coordinates are as long as the field [SEC 1 2.3.3].
    private static int EcBits(byte[] parameters, byte[] point)
    {
        var reader = new AsnReader(parameters, AsnEncodingRules.DER);
        if (reader.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
        {
            var curve = reader.ReadObjectIdentifier() switch
            {
                "1.2.840.10045.3.1.1" => 192, // P-192
                "1.3.132.0.33" => 224, // P-224
                "1.2.840.10045.3.1.7" => 256, // P-256
                "1.3.132.0.10" => 256, // secp256k1
                "1.3.132.0.34" => 384, // P-384
                "1.3.132.0.35" => 521, // P-521
                "1.3.36.3.3.2.8.1.1.1" => 160, // brainpoolP160r1
                "1.3.36.3.3.2.8.1.1.3" => 192, // brainpoolP192r1
                "1.3.36.3.3.2.8.1.1.5" => 224, // brainpoolP224r1
                "1.3.36.3.3.2.8.1.1.7" => 256, // brainpoolP256r1
                "1.3.36.3.3.2.8.1.1.9" => 320, // brainpoolP320r1
                "1.3.36.3.3.2.8.1.1.11" => 384, // brainpoolP384r1
                "1.3.36.3.3.2.8.1.1.13" => 512, // brainpoolP512r1
                _ => 0,
            };
            if (curve != 0)
            {
                return curve;
            }
        }

        return point switch
        {
            [0x04, ..] when point.Length % 2 == 1 => (point.Length - 1) / 2 * 8,
            [0x02 or 0x03, ..] => (point.Length - 1) * 8,
            _ => throw new CryptographicException("The certificate's EC public key is not an uncompressed or compressed point."),
        };
    }

    // An INTEGER's magnitude in bits, leading zero octets (sign padding) not counted.
    private static int Bits(ReadOnlySpan<byte> integer)
    {
        var start = integer.IndexOfAnyExcept((byte)0);
        return start < 0 ? 0 : ((integer.Length - start - 1) * 8) + (32 - BitOperations.LeadingZeroCount((uint)integer[start]));
    }
}
