using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// --capath: the directory's certificates, loaded into memory for <see cref="MqttTlsOptions.CaCertificates"/>, so no
/// bundle file is written (and none is left behind when the process is killed).
/// </summary>
internal static class CaDirectory
{
    public static X509Certificate2Collection Load(string directory)
    {
        var all = new X509Certificate2Collection();
        var seen = new HashSet<string>(StringComparer.Ordinal);
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
                // OpenSSL's c_rehash links each certificate under its hash name as well: keep one copy.
                if (seen.Add(certificate.Thumbprint))
                {
                    all.Add(certificate);
                }
                else
                {
                    certificate.Dispose();
                }
            }
        }

        if (all.Count == 0)
        {
            throw new UsageException($"Unable to load CA certificates, check capath \"{directory}\": it holds no PEM certificate.");
        }

        return all;
    }
}
