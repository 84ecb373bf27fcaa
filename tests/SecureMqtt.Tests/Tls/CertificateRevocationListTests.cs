using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Testing;
using SecureMqtt.Tls;

namespace SecureMqtt.Tests.Tls;

/// <summary>
/// The offline CRL reader against CRLs made by <c>openssl ca -gencrl</c> (RSA PKCS#1, RSA-PSS, ECDSA, reason codes,
/// issuingDistributionPoint, critical extensions, delta CRLs) and, for what openssl cannot write, by hand.
/// </summary>
public sealed class CertificateRevocationListTests : IDisposable
{
    private const string RevokedSerial = "1234";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smqtt-crl-");

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<string, string[]> SignatureKinds => new()
    {
        { "rsa", [] },
        { "rsa", ["-md", "sha512"] },
        { "rsa", ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"] },
        { "rsa", ["-md", "sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"] },
        { "p256", [] },
        { "p384", ["-md", "sha384"] },
    };

    [Theory]
    [MemberData(nameof(SignatureKinds))]
    public async Task An_openssl_CRL_verifies_with_its_CA_and_lists_the_revoked_serial(string keyType, string[] arguments)
    {
        using var key = Key(keyType);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "CRL Test CA");
        using var issuer = Issuer(ca, key);
        issuer.Revoke(RevokedSerial, "keyCompromise");
        using var revoked = OpenSslCrlIssuer.Issue(ca, RevokedSerial);
        using var kept = OpenSslCrlIssuer.Issue(ca, "5678");

        var crl = CertificateRevocationList.Parse(await issuer.CreateCrlAsync(arguments: arguments));

        Assert.True(crl.IsSignedBy(ca), crl.SignatureAlgorithmName);
        Assert.True(crl.Covers(revoked));
        Assert.True(crl.TryGetRevocation(revoked, out var at));
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-3), DateTimeOffset.UtcNow);
        Assert.False(crl.TryGetRevocation(kept, out _));
        Assert.NotNull(crl.NextUpdate);
    }

    [Fact]
    public async Task An_RSA_PSS_CRL_names_its_parameters()
    {
        using var key = RSA.Create(2048);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "PSS CA");
        using var issuer = Issuer(ca, key);

        var crl = CertificateRevocationList.Parse(await issuer.CreateCrlAsync(arguments: ["-md", "sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]));

        Assert.Equal("rsassaPss (SHA384, MGF1 SHA384, salt 48)", crl.SignatureAlgorithmName);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("p256")]
    public async Task A_CRL_signed_by_another_key_or_altered_after_signing_does_not_verify(string keyType)
    {
        using var key = Key(keyType);
        using var other = Key(keyType);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Real CA");
        using var impostor = OpenSslCrlIssuer.CreateCa(other, "Real CA");
        using var issuer = Issuer(ca, key);
        issuer.Revoke(RevokedSerial);
        var der = await issuer.CreateCrlAsync();
        var serialAt = der.AsSpan().IndexOf(new byte[] { 0x02, 0x02, 0x12, 0x34 });
        Assert.True(serialAt > 0);
        var altered = (byte[])der.Clone();
        altered[serialAt + 3] = 0x35; // the revoked serial becomes 1235: a forger hiding a revocation

        Assert.True(CertificateRevocationList.Parse(der).IsSignedBy(ca));
        Assert.False(CertificateRevocationList.Parse(der).IsSignedBy(impostor));
        Assert.False(CertificateRevocationList.Parse(altered).IsSignedBy(ca));
    }

    [Fact]
    public async Task A_PSS_salt_other_than_the_hash_length_is_refused_with_the_openssl_option_that_fixes_it()
    {
        using var key = RSA.Create(2048);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "PSS CA");
        using var issuer = Issuer(ca, key);

        var error = await LoadFailsAsync(await issuer.CreateCrlAsync(arguments: ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:max"]));

        Assert.Contains("RSASSA-PSS with a", error.Message, StringComparison.Ordinal);
        Assert.Contains("rsa_pss_saltlen:digest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CRL_with_an_unknown_critical_extension_is_refused_naming_the_OID_and_a_non_critical_one_is_ignored()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Extensions CA");
        using var issuer = Issuer(ca, key);

        var error = await LoadFailsAsync(await issuer.CreateCrlAsync(["1.2.3.4 = critical, ASN1:UTF8String:x"]));
        var tolerated = CertificateRevocationList.Parse(await issuer.CreateCrlAsync(["1.2.3.4 = ASN1:UTF8String:x"]));

        Assert.Contains("critical extension 1.2.3.4", error.Message, StringComparison.Ordinal);
        Assert.Contains("RFC 5280", error.Message, StringComparison.Ordinal);
        Assert.True(tolerated.IsSignedBy(ca));
    }

    [Fact]
    public async Task A_delta_CRL_is_refused_asking_for_the_full_CRL()
    {
        using var key = RSA.Create(2048);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Delta CA");
        using var issuer = Issuer(ca, key);

        var error = await LoadFailsAsync(await issuer.CreateCrlAsync(["2.5.29.27 = critical, ASN1:INTEGER:1"]));

        Assert.Contains("delta CRLs are not supported; give the full CRL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CRL_for_user_certificates_only_covers_the_server_certificate_but_not_an_intermediate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Scope CA");
        using var issuer = Issuer(ca, key);
        using var leaf = OpenSslCrlIssuer.Issue(ca, "01");
        using var intermediate = OpenSslCrlIssuer.Issue(ca, "02", isCa: true);

        var onlyUser = CertificateRevocationList.Parse(await issuer.CreateCrlAsync(["issuingDistributionPoint = critical, @idp_only_user"]));
        var onlyCa = CertificateRevocationList.Parse(await issuer.CreateCrlAsync(["issuingDistributionPoint = critical, @idp_only_ca"]));

        Assert.True(onlyUser.Covers(leaf));
        Assert.False(onlyUser.Covers(intermediate));
        Assert.False(onlyCa.Covers(leaf));
        Assert.True(onlyCa.Covers(intermediate));
    }

    [Fact]
    public async Task A_CRL_for_one_distribution_point_covers_only_certificates_that_name_it()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Partition CA");
        using var issuer = Issuer(ca, key);
        using var named = OpenSslCrlIssuer.Issue(ca, "01", crlUrl: "http://crl.example/ca.crl");
        using var elsewhere = OpenSslCrlIssuer.Issue(ca, "02", crlUrl: "http://crl.example/other.crl");
        using var unnamed = OpenSslCrlIssuer.Issue(ca, "03");

        var crl = CertificateRevocationList.Parse(await issuer.CreateCrlAsync(["issuingDistributionPoint = critical, @idp_section"]));

        Assert.True(crl.Covers(named));
        Assert.False(crl.Covers(elsewhere));
        Assert.False(crl.Covers(unnamed));
    }

    [Theory]
    [InlineData("idp_indirect", "indirect CRL")]
    [InlineData("idp_some_reasons", "only some revocation reasons")]
    public async Task A_CRL_that_is_incomplete_in_a_way_the_client_cannot_see_through_is_refused(string section, string reason)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Partial CA");
        using var issuer = Issuer(ca, key);

        var error = await LoadFailsAsync(await issuer.CreateCrlAsync([$"issuingDistributionPoint = critical, @{section}"]));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_with_the_delta_only_reason_removeFromCRL_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Remove CA");
        using var issuer = Issuer(ca, key);
        issuer.Revoke(RevokedSerial, "removeFromCRL");

        var error = await LoadFailsAsync(await issuer.CreateCrlAsync());

        Assert.Contains("removeFromCRL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hand_made_CRL_without_entry_extensions_is_accepted_so_the_refusals_below_are_about_the_extension()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Hand CA");
        using var revoked = OpenSslCrlIssuer.Issue(ca, RevokedSerial);

        var crl = CertificateRevocationList.Parse(HandMade(ca, key, entryExtension: null));

        Assert.True(crl.IsSignedBy(ca));
        Assert.True(crl.TryGetRevocation(revoked, out _));
    }

    [Theory]
    [InlineData("2.5.29.29", true, "indirect CRL")]
    [InlineData("1.2.3.4", true, "critical extension 1.2.3.4")]
    public async Task An_entry_with_a_certificate_issuer_or_an_unknown_critical_extension_is_refused(string oid, bool critical, string reason)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Hand CA");

        var error = await LoadFailsAsync(HandMade(ca, key, (oid, critical, [0x30, 0x00])));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("serial 1234", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_algorithm_the_client_cannot_verify_is_named_instead_of_being_reported_as_a_forgery()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Ed CA");

        var error = await LoadFailsAsync(HandMade(ca, key, entryExtension: null, algorithmOid: "1.3.101.112"));

        Assert.Contains("signed with the algorithm 1.3.101.112", error.Message, StringComparison.Ordinal);
    }

    private static AsymmetricAlgorithm Key(string keyType) => keyType switch
    {
        "rsa" => RSA.Create(2048),
        "p256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        _ => ECDsa.Create(ECCurve.NamedCurves.nistP384),
    };

    private static OpenSslCrlIssuer Issuer(X509Certificate2 ca, AsymmetricAlgorithm key) =>
        new(ca.ExportCertificatePem(), key switch
        {
            RSA rsa => rsa.ExportPkcs8PrivateKeyPem(),
            ECDsa ec => ec.ExportPkcs8PrivateKeyPem(),
            _ => throw new ArgumentException("key"),
        });

    /// <summary>Loads the CRL through the file path the client uses and returns the refusal.</summary>
    private async Task<MqttTlsException> LoadFailsAsync(byte[] der)
    {
        var path = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".pem");
        await File.WriteAllTextAsync(path, PemEncoding.WriteString("X509 CRL", der));
        var error = Assert.Throws<MqttTlsException>(() => CertificateRevocationList.LoadFile(path));
        Assert.Equal(MqttTlsFailureKind.InvalidCrlFile, error.Kind);
        Assert.Contains("cannot be used", error.Message, StringComparison.Ordinal);
        return error;
    }

    /// <summary>A CRL built field by field (RFC 5280 section 5.1) for what openssl ca cannot write: entry extensions of any kind.</summary>
    private static byte[] HandMade(X509Certificate2 ca, ECDsa key, (string Oid, bool Critical, byte[] Value)? entryExtension, string algorithmOid = "1.2.840.10045.4.3.2")
    {
        var algorithm = new AsnWriter(AsnEncodingRules.DER);
        using (algorithm.PushSequence())
        {
            algorithm.WriteObjectIdentifier(algorithmOid);
        }

        var now = DateTimeOffset.UtcNow;
        var tbs = new AsnWriter(AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            tbs.WriteInteger(1);
            tbs.WriteEncodedValue(algorithm.Encode());
            tbs.WriteEncodedValue(ca.SubjectName.RawData);
            tbs.WriteUtcTime(now.AddMinutes(-1));
            tbs.WriteUtcTime(now.AddDays(1));
            using (tbs.PushSequence())
            using (tbs.PushSequence())
            {
                tbs.WriteInteger(0x1234);
                tbs.WriteUtcTime(now.AddMinutes(-1));
                if (entryExtension is var (oid, critical, value))
                {
                    using (tbs.PushSequence())
                    using (tbs.PushSequence())
                    {
                        tbs.WriteObjectIdentifier(oid);
                        if (critical)
                        {
                            tbs.WriteBoolean(true);
                        }

                        tbs.WriteOctetString(value);
                    }
                }
            }
        }

        var signed = tbs.Encode();
        var crl = new AsnWriter(AsnEncodingRules.DER);
        using (crl.PushSequence())
        {
            crl.WriteEncodedValue(signed);
            crl.WriteEncodedValue(algorithm.Encode());
            crl.WriteBitString(key.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }

        return crl.Encode();
    }
}
