using System.Net;

namespace SecureMqtt.Pki.Tests;

/// <summary>The wrong certificates negative TLS tests need, made through the same options as the right ones.</summary>
public sealed class DeliberatelyBadCertificateTests : IDisposable
{
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("Bad Cert Test CA", notBefore: DateTimeOffset.UtcNow.AddDays(-30));

    public void Dispose() => _ca.Dispose();

    [Fact]
    public void An_expired_certificate_is_explained_as_expired()
    {
        using var expired = _ca.IssueServerCertificate("localhost", ["localhost"], [], new CertificateOptions
        {
            NotBefore = DateTimeOffset.UtcNow.AddDays(-10),
            NotAfter = DateTimeOffset.UtcNow.AddDays(-1),
        });

        var result = ChainVerifier.Verify(expired.Certificate, [_ca.Certificate], purpose: CertificatePurpose.Server);

        Assert.False(result.IsValid);
        Assert.Contains(result.Problems, p => p.Contains("expired on", StringComparison.Ordinal));
    }

    [Fact]
    public void A_not_yet_valid_certificate_is_explained_as_such()
    {
        using var future = _ca.IssueClientCertificate("device-1", new CertificateOptions { NotBefore = DateTimeOffset.UtcNow.AddDays(2) });

        var result = ChainVerifier.Verify(future.Certificate, [_ca.Certificate]);

        Assert.Contains(result.Problems, p => p.Contains("is not valid before", StringComparison.Ordinal));
    }

    [Fact]
    public void A_certificate_without_the_host_name_fails_the_name_check()
    {
        using var noSans = _ca.IssueServerCertificate("localhost", [], []);
        using var wrongName = _ca.IssueServerCertificate(null, ["other.example"], []);

        var missing = ChainVerifier.Verify(noSans.Certificate, [_ca.Certificate], hostName: "localhost");
        var wrong = ChainVerifier.Verify(wrongName.Certificate, [_ca.Certificate], hostName: "localhost");

        Assert.Contains(missing.Problems, p => p.Contains("has no subjectAltName", StringComparison.Ordinal));
        Assert.Contains(wrong.Problems, p => p.Contains("'localhost' is not among the certificate's names (DNS:other.example)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_server_certificate_with_client_eku_is_not_valid_for_a_server()
    {
        using var clientOnly = _ca.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback], new CertificateOptions
        {
            ExtendedKeyUsageOids = [CertificateOptions.ClientAuthOid],
        });
        using var noEku = _ca.IssueServerCertificate("localhost", ["localhost"], [], new CertificateOptions { ExtendedKeyUsageOids = [] });

        var result = ChainVerifier.Verify(clientOnly.Certificate, [_ca.Certificate], purpose: CertificatePurpose.Server);

        Assert.Contains(result.Problems, p => p.Contains("does not include serverAuth", StringComparison.Ordinal));
        Assert.Empty(CertificateDetails.From(noEku.Certificate).ExtendedKeyUsages);
    }

    [Fact]
    public void A_self_signed_server_certificate_is_not_trusted_by_the_ca()
    {
        using var selfSigned = _ca.IssueServerCertificate("localhost", ["localhost"], [], new CertificateOptions { SelfSigned = true });

        var result = ChainVerifier.Verify(selfSigned.Certificate, [_ca.Certificate], purpose: CertificatePurpose.Server, hostName: "localhost");

        Assert.Equal(selfSigned.Certificate.Subject, selfSigned.Certificate.Issuer);
        Assert.Null(selfSigned.Issuer);
        Assert.Contains(result.Problems, p => p.Contains("self-signed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_certificate_from_another_ca_names_its_issuer()
    {
        using var other = CertificateAuthority.Create("Other CA");
        using var foreign = other.IssueClientCertificate("device-1");

        var result = ChainVerifier.Verify(foreign.Certificate, [_ca.Certificate]);

        Assert.Contains(result.Problems, p => p.Contains("'CN=Other CA', which is not a trusted CA", StringComparison.Ordinal));
    }

    [Fact]
    public void A_good_certificate_verifies_with_no_problems()
    {
        using var good = _ca.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback]);

        var result = ChainVerifier.Verify(good.Certificate, [_ca.Certificate], purpose: CertificatePurpose.Server, hostName: "127.0.0.1");

        Assert.True(result.IsValid, string.Join("\n", result.Problems));
    }

    [Fact]
    public void A_certificate_may_not_outlive_its_ca_unless_asked_for_explicitly()
    {
        using var shortCa = CertificateAuthority.Create("Short CA", validityDays: 30);

        var error = Assert.Throws<ArgumentException>(() => shortCa.IssueClientCertificate("d", new CertificateOptions { ValidityDays = 365 }));

        Assert.Contains("after its CA", error.Message);
    }

    [Fact]
    public void Spki_pin_matches_openssl_style_computation_and_survives_reissue_with_the_same_key()
    {
        using var cert = _ca.IssueClientCertificate("device-1");

        var pin = CertificatePins.SpkiSha256Pin(cert.Certificate);

        var expected = "sha256/" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(cert.Certificate.PublicKey.ExportSubjectPublicKeyInfo()));
        Assert.Equal(expected, pin);
        Assert.Equal(51, pin.Length);
        Assert.Equal(95, CertificatePins.Sha256Fingerprint(cert.Certificate).Length);
    }
}
