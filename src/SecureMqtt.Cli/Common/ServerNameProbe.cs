using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// For --insecure: opens a TLS handshake only far enough to see the broker's certificate, checks its chain (not its
/// names) against the CA file, the capath certificates or the OS store, and returns a name it carries. Nothing MQTT is sent on this probe.
/// </summary>
internal static class ServerNameProbe
{
    // roots: the CAs of --cafile or --capath; null for the OS store.
    public static async Task<string> FindVerifiedNameAsync(string host, int port, X509Certificate2Collection? roots, CancellationToken cancellationToken)
    {

        string? name = null;
        string? problem = null;
        using var tcp = new TcpClient { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await tcp.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, chain, _) =>
        {
            if (certificate is null)
            {
                problem = "the broker sent no certificate";
                return false;
            }

            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            using var check = new X509Chain();
            check.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (roots is not null)
            {
                check.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                check.ChainPolicy.CustomTrustStore.AddRange(roots);
            }

            if (chain is not null)
            {
                check.ChainPolicy.ExtraStore.AddRange(chain.ChainElements.Select(e => e.Certificate).ToArray());
            }

            if (!check.Build(leaf))
            {
                problem = "certificate verify failed: " + string.Join(", ", check.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
                return false;
            }

            name = NameOf(leaf);
            // Stop here: the real connection comes next, made and verified by the client.
            return false;
        });
        await using var sslScope = ssl.ConfigureAwait(false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
        {
            // Expected: the callback refuses every certificate once it has looked at it.
        }

        return name ?? throw new Cli.CliException($"TLS error with {host}:{port}: {problem ?? "no certificate could be checked"}.");
    }

    private static string NameOf(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (san is not null)
        {
            if (san.EnumerateDnsNames().FirstOrDefault() is { } dns)
            {
                return dns;
            }

            if (san.EnumerateIPAddresses().FirstOrDefault() is { } ip)
            {
                return ip.ToString();
            }
        }

        return certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false);
    }
}
