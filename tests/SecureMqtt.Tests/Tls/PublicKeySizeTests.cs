using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Tls;

namespace SecureMqtt.Tests.Tls;

/// <summary>
/// <see cref="PublicKeySize"/> reads a key's size from the certificate's bytes for the weak-crypto policy; it must
/// say what the platform says after importing the key.
/// </summary>
public sealed class PublicKeySizeTests
{
    [Theory]
    [InlineData(1024)]
    [InlineData(2048)]
    [InlineData(2056)]
    [InlineData(3072)]
    public void An_RSA_key_has_its_modulus_size(int bits)
    {
        using var rsa = RSA.Create(bits);
        using var certificate = SelfSigned(new CertificateRequest("CN=rsa", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        using var imported = certificate.GetRSAPublicKey()!;

        Assert.Equal(("RSA", imported.KeySize), PublicKeySize.Of(certificate.PublicKey));
        Assert.Equal(bits, imported.KeySize);
    }

    public static TheoryData<string> Curves => [nameof(ECCurve.NamedCurves.nistP256), nameof(ECCurve.NamedCurves.nistP384), nameof(ECCurve.NamedCurves.nistP521), nameof(ECCurve.NamedCurves.brainpoolP256r1)];

    [Theory]
    [MemberData(nameof(Curves))]
    public void An_EC_key_has_its_curve_size(string curveName)
    {
        var curve = (ECCurve)typeof(ECCurve.NamedCurves).GetProperty(curveName)!.GetValue(null)!;
        using var ec = ECDsa.Create(curve);
        using var certificate = SelfSigned(new CertificateRequest("CN=ec", ec, HashAlgorithmName.SHA256));
        using var imported = certificate.GetECDsaPublicKey()!;

        Assert.Equal(("EC", imported.KeySize), PublicKeySize.Of(certificate.PublicKey));
    }

    [Fact]
    public void An_EC_key_with_explicit_parameters_is_sized_by_its_point()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var explicitCurve = ec.ExportExplicitParameters(includePrivateParameters: false);
        using var explicitEc = ECDsa.Create(explicitCurve);
        var spki = explicitEc.ExportSubjectPublicKeyInfo();
        var key = PublicKey.CreateFromSubjectPublicKeyInfo(spki, out _);

        Assert.Equal(0x30, key.EncodedParameters!.RawData[0]); // SpecifiedECDomain, not a curve OID
        Assert.Equal(("EC", 256), PublicKeySize.Of(key));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(2048)]
    public void A_DSA_key_has_its_prime_size(int bits)
    {
        using var dsa = DSA.Create(bits);
        var key = PublicKey.CreateFromSubjectPublicKeyInfo(dsa.ExportSubjectPublicKeyInfo(), out _);

        Assert.Equal(("DSA", bits), PublicKeySize.Of(key));
    }

    [Fact]
    public void A_key_of_another_algorithm_is_not_sized_and_a_malformed_one_is_an_error()
    {
        var ed25519 = new PublicKey(new Oid("1.3.101.112"), new AsnEncodedData([0x05, 0x00]), new AsnEncodedData(new byte[32]));
        Assert.Null(PublicKeySize.Of(ed25519));

        var broken = new PublicKey(new Oid("1.2.840.113549.1.1.1"), new AsnEncodedData([0x05, 0x00]), new AsnEncodedData([0x30, 0x05, 0x02]));
        Assert.Throws<CryptographicException>(() => PublicKeySize.Of(broken));
    }

    private static X509Certificate2 SelfSigned(CertificateRequest request) =>
        request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
}
