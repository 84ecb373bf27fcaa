using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki;

/// <summary>What a certificate is checked for, besides its chain.</summary>
public enum CertificatePurpose
{
    /// <summary>Only the chain: signatures, validity periods, CA constraints.</summary>
    Any,

    /// <summary>A broker certificate: EKU must allow serverAuth.</summary>
    Server,

    /// <summary>A device certificate: EKU must allow clientAuth.</summary>
    Client,
}

/// <summary>The outcome of <see cref="ChainVerifier.Verify"/>.</summary>
/// <param name="Problems">Each reason the certificate is not accepted, in words; empty when it is.</param>
public sealed record ChainVerificationResult(IReadOnlyList<string> Problems)
{
    /// <summary>Whether the certificate is accepted.</summary>
    public bool IsValid => Problems.Count == 0;
}

/// <summary>Checks a certificate against a given set of trusted CAs (not the system store) and explains every failure.</summary>
public static class ChainVerifier
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Verifies <paramref name="certificate"/> as a TLS peer would, with only <paramref name="trustedCas"/> as roots.</summary>
    /// <param name="certificate">The certificate to check.</param>
    /// <param name="trustedCas">The CA certificates to trust (e.g. the contents of <c>--cafile</c>).</param>
    /// <param name="intermediates">Other certificates the peer presented or the file held, used to build the chain.</param>
    /// <param name="purpose">Which extended key usage to demand.</param>
    /// <param name="hostName">If set, the DNS name or IP address the certificate must name in its subjectAltName.</param>
    /// <param name="time">The time to check validity at; default now.</param>
    public static ChainVerificationResult Verify(
        X509Certificate2 certificate,
        IEnumerable<X509Certificate2> trustedCas,
        IEnumerable<X509Certificate2>? intermediates = null,
        CertificatePurpose purpose = CertificatePurpose.Any,
        string? hostName = null,
        DateTimeOffset? time = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(trustedCas);
        var roots = trustedCas.ToList();
        var now = time ?? DateTimeOffset.UtcNow;
        var problems = new List<string>();

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange((intermediates ?? []).ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.Build(certificate);

        foreach (var element in chain.ChainElements)
        {
            foreach (var status in element.ChainElementStatus.Where(s => s.Status != X509ChainStatusFlags.NoError))
            {
                var problem = Explain(status, element.Certificate, certificate, roots, now);
                if (!problems.Contains(problem))
                {
                    problems.Add(problem);
                }
            }
        }

        CheckPurpose(certificate, purpose, problems);
        if (hostName is not null && !certificate.MatchesHostname(hostName, allowWildcards: true, allowCommonName: false))
        {
            var names = CertificateDetails.From(certificate).SubjectAlternativeNames;
            problems.Add(names.Count == 0
                ? $"'{certificate.Subject}' has no subjectAltName, so it cannot match '{hostName}': issue it with the host's DNS name or IP."
                : $"'{hostName}' is not among the certificate's names ({string.Join(", ", names)}): connect by one of those names or issue a certificate that includes '{hostName}'.");
        }

        return new ChainVerificationResult(problems);
    }

    private static string Explain(X509ChainStatus status, X509Certificate2 element, X509Certificate2 leaf, List<X509Certificate2> roots, DateTimeOffset now)
    {
        var who = element.Thumbprint == leaf.Thumbprint ? "the certificate" : $"'{element.Subject}'";
        return status.Status switch
        {
            X509ChainStatusFlags.NotTimeValid when element.NotAfter.ToUniversalTime() < now.UtcDateTime =>
                string.Create(CultureInfo.InvariantCulture, $"{who} expired on {element.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC ({(now.UtcDateTime - element.NotAfter.ToUniversalTime()).TotalDays:0} days ago): issue a new one."),
            X509ChainStatusFlags.NotTimeValid =>
                string.Create(CultureInfo.InvariantCulture, $"{who} is not valid before {element.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC: check this machine's clock, or wait."),
            X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain when element.Subject == element.Issuer && element.Thumbprint == leaf.Thumbprint =>
                $"the certificate is self-signed and is not one of the trusted CAs ({RootNames(roots)}): issue it from the CA instead.",
            X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain =>
                $"{who} was issued by '{element.Issuer}', which is not a trusted CA (trusted: {RootNames(roots)}): use the CA file that issued it, or re-issue it from this CA.",
            X509ChainStatusFlags.NotSignatureValid =>
                $"the signature on {who} does not verify: it was altered, or signed by a different key with the same CA name.",
            X509ChainStatusFlags.InvalidBasicConstraints =>
                $"'{element.Subject}' signs certificates but is not a CA (basicConstraints CA:TRUE missing).",
            X509ChainStatusFlags.NotValidForUsage or X509ChainStatusFlags.InvalidExtension =>
                $"{who} is not valid for this use: its key usage or extended key usage does not allow it.",
            _ => $"{who}: {status.StatusInformation.Trim()} ({status.Status}).",
        };
    }

    private static void CheckPurpose(X509Certificate2 certificate, CertificatePurpose purpose, List<string> problems)
    {
        if (purpose == CertificatePurpose.Any)
        {
            return;
        }

        var (oid, name) = purpose == CertificatePurpose.Server ? (ServerAuth, "serverAuth") : (ClientAuth, "clientAuth");
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        // No EKU extension means "any purpose" (RFC 5280 4.2.1.12), which TLS stacks accept.
        if (eku is not null && !eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == oid.Value))
        {
            var has = string.Join(", ", CertificateDetails.From(certificate).ExtendedKeyUsages);
            problems.Add($"the certificate's extended key usage ({has}) does not include {name}: re-issue it with smqtt certs {(purpose == CertificatePurpose.Server ? "server" : "client")}.");
        }
    }

    private static string RootNames(List<X509Certificate2> roots) =>
        roots.Count == 0 ? "none" : string.Join("; ", roots.Select(r => $"'{r.Subject}'"));
}
