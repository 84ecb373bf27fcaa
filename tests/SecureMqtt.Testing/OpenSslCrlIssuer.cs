using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SecureMqtt.Testing;

/// <summary>
/// Issues CRLs with <c>openssl ca -gencrl</c>, the way an operator's CA would, so the client's CRL reader is proven
/// against CRLs it did not make itself: RSA-PSS and ECDSA signatures, reason codes, issuingDistributionPoint and
/// whatever extensions a test writes into the config. The CA's database (index.txt) is written directly, so a serial
/// can be revoked without issuing a certificate through openssl first.
/// </summary>
public sealed class OpenSslCrlIssuer : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smqtt-openssl-ca-");
    private readonly StringBuilder _index = new();

    /// <summary>Takes the CA's certificate and its private key (PKCS#8 PEM, unencrypted).</summary>
    /// <param name="caCertificatePem">The CA certificate in PEM.</param>
    /// <param name="caKeyPem">The CA's private key in PEM.</param>
    public OpenSslCrlIssuer(string caCertificatePem, string caKeyPem)
    {
        File.WriteAllText(Path("ca.crt"), caCertificatePem);
        File.WriteAllText(Path("ca.key"), caKeyPem);
        File.WriteAllText(Path("crlnumber"), "01\n");
    }

    /// <summary>Adds <paramref name="serialHex"/> to the CA's database as revoked a minute ago, with an optional openssl reason name (keyCompromise, removeFromCRL...).</summary>
    /// <param name="serialHex">The serial number in hex.</param>
    /// <param name="reason">The reason, as <c>openssl ca -crl_reason</c> spells it, or null for none.</param>
    public void Revoke(string serialHex, string? reason = null)
    {
        var revoked = DateTime.UtcNow.AddMinutes(-1).ToString("yyMMddHHmmss", CultureInfo.InvariantCulture) + "Z" + (reason is null ? string.Empty : "," + reason);
        _index.Append(CultureInfo.InvariantCulture, $"R\t491231235959Z\t{revoked}\t{serialHex}\tunknown\t/CN=revoked-{serialHex}\n");
    }

    /// <summary>Runs <c>openssl ca -gencrl</c> and returns the CRL in DER.</summary>
    /// <param name="extensions">Lines for the config's crl_extensions section, after authorityKeyIdentifier (e.g. <c>1.2.3.4 = critical, ASN1:UTF8String:x</c>).</param>
    /// <param name="arguments">More arguments for openssl ca, e.g. <c>-md sha384</c> or <c>-sigopt rsa_padding_mode:pss</c>.</param>
    public async Task<byte[]> CreateCrlAsync(IEnumerable<string>? extensions = null, params string[] arguments)
    {
        File.WriteAllText(Path("index.txt"), _index.ToString());
        var config = Path("openssl.cnf");
        File.WriteAllText(config, $"""
            [ca]
            default_ca = test_ca
            [test_ca]
            dir = {_dir.FullName}
            database = $dir/index.txt
            crlnumber = $dir/crlnumber
            certificate = $dir/ca.crt
            private_key = $dir/ca.key
            default_md = sha256
            default_crl_days = 30
            crl_extensions = crl_ext
            [crl_ext]
            authorityKeyIdentifier = keyid:always
            {string.Join('\n', extensions ?? [])}
            [idp_section]
            fullname = URI:http://crl.example/ca.crl
            [idp_only_user]
            onlyuser = TRUE
            [idp_only_ca]
            onlyCA = TRUE
            [idp_indirect]
            indirectCRL = TRUE
            [idp_some_reasons]
            onlysomereasons = keyCompromise
            """);
        var output = Path("crl.pem");
        var result = await ProcessRunner.RunAsync("openssl", ["ca", "-gencrl", "-batch", "-config", config, "-out", output, .. arguments]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl ca -gencrl failed: {result}");
        }

        return PemEncoding.Find(File.ReadAllText(output)) is var fields
            ? Convert.FromBase64String(File.ReadAllText(output)[fields.Base64Data])
            : throw new InvalidOperationException("openssl wrote no PEM.");
    }

    /// <summary>Runs <c>openssl ca -gencrl</c> and returns the CRL in PEM, as a CRL file holds it.</summary>
    /// <param name="extensions">Lines for the config's crl_extensions section.</param>
    /// <param name="arguments">More arguments for openssl ca.</param>
    public async Task<string> CreateCrlPemAsync(IEnumerable<string>? extensions = null, params string[] arguments)
    {
        var der = await CreateCrlAsync(extensions, arguments);
        return PemEncoding.WriteString("X509 CRL", der) + "\n";
    }

    /// <summary>A self-signed CA certificate for <paramref name="key"/> that may sign certificates and CRLs, with its key attached.</summary>
    /// <param name="key">An RSA or ECDSA key.</param>
    /// <param name="name">The CA's common name.</param>
    /// <param name="crlSign">False to leave cRLSign out of the key usage.</param>
    public static X509Certificate2 CreateCa(AsymmetricAlgorithm key, string name, bool crlSign = true)
    {
        var request = Request($"CN={name}", key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | (crlSign ? X509KeyUsageFlags.CrlSign : 0), true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
    }

    /// <summary>A certificate from <paramref name="ca"/> with serial <paramref name="serialHex"/>, optionally a CA itself or naming a CRL distribution point.</summary>
    /// <param name="ca">The issuing CA, with its private key.</param>
    /// <param name="serialHex">The serial number in hex.</param>
    /// <param name="isCa">True for an intermediate CA certificate.</param>
    /// <param name="crlUrl">A URI for the cRLDistributionPoints extension, or null for none.</param>
    public static X509Certificate2 Issue(X509Certificate2 ca, string serialHex, bool isCa = false, string? crlUrl = null)
    {
        // CertificateRequest.Create signs with the issuer's key only when both keys are of one kind.
        using AsymmetricAlgorithm key = ca.GetRSAPublicKey() is null ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : RSA.Create(2048);
        var request = Request($"CN=subject-{serialHex}", key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        if (crlUrl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlUrl]));
        }

        return request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), Convert.FromHexString(serialHex));
    }

    /// <summary>Deletes the CA's directory.</summary>
    public void Dispose() => _dir.Delete(recursive: true);

    private string Path(string name) => System.IO.Path.Combine(_dir.FullName, name);

    private static CertificateRequest Request(string subject, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ec => new CertificateRequest(subject, ec, ec.KeySize > 256 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256),
        _ => throw new ArgumentException("An RSA or ECDSA key is needed.", nameof(key)),
    };
}
