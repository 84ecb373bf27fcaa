using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SecureMqtt.Cli.Common;

/// <summary>--capath: the client takes one CA file, so the directory's certificates are gathered into a temporary bundle.</summary>
internal static class CaBundle
{
    public static string FromDirectory(string directory)
    {
        var pem = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var certificates = new X509Certificate2Collection();
            try
            {
                certificates.ImportFromPemFile(file);
            }
            catch (CryptographicException)
            {
                // OpenSSL's capath holds hash links and other files too; only certificates count.
                continue;
            }

            foreach (var certificate in certificates)
            {
                pem.Append(certificate.ExportCertificatePem()).Append('\n');
                certificate.Dispose();
            }
        }

        if (pem.Length == 0)
        {
            throw new UsageException($"Unable to load CA certificates, check capath \"{directory}\": it holds no PEM certificate.");
        }

        var path = Path.Combine(Path.GetTempPath(), $"smqtt-capath-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, pem.ToString());
        return path;
    }
}
