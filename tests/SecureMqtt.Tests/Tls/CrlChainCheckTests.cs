using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using SecureMqtt.Testing;
using SecureMqtt.Tls;

namespace SecureMqtt.Tests.Tls;

/// <summary>
/// The CRL step of the server-certificate check over a real chain built by X509Chain, for what needs no broker:
/// a CA that may not sign CRLs, and a CRL whose issuingDistributionPoint leaves the server's certificate out.
/// </summary>
public sealed class CrlChainCheckTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smqtt-crl-chain-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_CRL_from_a_CA_without_the_cRLSign_key_usage_is_not_trusted()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "No CRL Sign CA", crlSign: false);
        using var server = OpenSslCrlIssuer.Issue(ca, "01");
        using var openssl = new OpenSslCrlIssuer(ca.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());

        var error = Check(ca, server, await openssl.CreateCrlPemAsync());

        Assert.NotNull(error);
        Assert.Equal(MqttTlsFailureKind.InvalidCrlFile, error.Kind);
        Assert.Contains("cRLSign", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CRL_for_CA_certificates_only_leaves_the_server_certificate_unchecked_and_says_so()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = OpenSslCrlIssuer.CreateCa(key, "Scoped CA");
        using var server = OpenSslCrlIssuer.Issue(ca, "01");
        using var openssl = new OpenSslCrlIssuer(ca.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());

        var full = Check(ca, server, await openssl.CreateCrlPemAsync());
        var onlyCa = Check(ca, server, await openssl.CreateCrlPemAsync(["issuingDistributionPoint = critical, @idp_only_ca"]));

        Assert.Null(full);
        Assert.NotNull(onlyCa);
        Assert.Equal(MqttTlsFailureKind.RevocationStatusUnknown, onlyCa.Kind);
        Assert.Contains("issuingDistributionPoint", onlyCa.Message, StringComparison.Ordinal);
    }

    private MqttTlsException? Check(X509Certificate2 ca, X509Certificate2 server, string crlPem)
    {
        var path = Path.Combine(_dir.FullName, Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(path, crlPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(server), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
        var options = new MqttTlsOptions { CrlFile = path };
        var verifier = new ServerCertificateVerifier(options, "localhost", CertificateRevocationList.LoadFile(path), NullLogger.Instance, TimeProvider.System);
        return verifier.Verify(server, chain, SslPolicyErrors.None);
    }
}
