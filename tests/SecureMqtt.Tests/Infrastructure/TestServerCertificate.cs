using System.Net;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Pki;

namespace SecureMqtt.Tests.Infrastructure;

/// <summary>
/// One CA and one server certificate for "localhost" and 127.0.0.1, generated once per test run: the fake broker
/// serves TLS with <see cref="Certificate"/>; clients trust it through the PEM file at <see cref="CaFile"/>.
/// </summary>
public static class TestServerCertificate
{
    private static readonly Lazy<(X509Certificate2 Certificate, string CaFile)> Generated = new(Generate);

    /// <summary>The server certificate with its private key.</summary>
    public static X509Certificate2 Certificate => Generated.Value.Certificate;

    /// <summary>The CA certificate as a PEM file, for <see cref="MqttTlsOptions.CaFile"/>.</summary>
    public static string CaFile => Generated.Value.CaFile;

    private static (X509Certificate2, string) Generate()
    {
        using var authority = CertificateAuthority.Create("SecureMqtt Hostile Test CA");
        using var issued = authority.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback]);

        // A PKCS#12 round trip gives the key a form every SslStream back end accepts for a server.
        var certificate = X509CertificateLoader.LoadPkcs12(issued.ExportPkcs12("test"), "test");
        var directory = Directory.CreateTempSubdirectory("securemqtt-hostile-").FullName;
        var caFile = Path.Combine(directory, "ca.crt");
        File.WriteAllText(caFile, authority.CertificatePem);
        return (certificate, caFile);
    }
}
