using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace SecureMqtt.Tls;

/// <summary>
/// Decides whether to trust the server's certificate, inside SslStream's validation callback, and when not, says
/// exactly why. SslStream itself only reports "the remote certificate is invalid"; here the chain status, the policy
/// errors and the certificates themselves become one specific <see cref="MqttTlsFailureKind"/> with the cause and the
/// fix. The checks run from the most basic (is there a chain to a trusted CA at all) to the most specific (pins), and
/// the first failure is reported.
/// </summary>
internal sealed partial class ServerCertificateVerifier(
    MqttTlsOptions options, string targetHost, IReadOnlyList<CertificateRevocationList>? crls, ILogger logger, TimeProvider timeProvider)
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

    private string Trust => options.PinOnly ? "the pinned public keys (PinOnly)" : options.CaSource;

    /// <summary>Null when the server is trusted; otherwise the precise failure.</summary>
    public MqttTlsException? Verify(X509Certificate2 leaf, X509Chain? chain, SslPolicyErrors errors)
    {
        var elements = chain is null ? [leaf] : chain.ChainElements.Select(e => e.Certificate).ToList();
        if (elements.Count == 0)
        {
            elements.Add(leaf);
        }

        var flags = X509ChainStatusFlags.NoError;
        foreach (var status in chain?.ChainStatus ?? [])
        {
            flags |= status.Status;
        }

        return CheckTrust(leaf, elements, flags)
            ?? CheckValidity(elements)
            ?? CheckUsage(leaf, flags)
            ?? CheckOnlineRevocation(flags)
            ?? CheckRemainingChainErrors(leaf, flags)
            ?? CheckHostName(leaf, errors)
            ?? CheckWeakCrypto(elements)
            ?? CheckCrl(elements)
            ?? CheckPins(leaf, elements);
    }

    private MqttTlsException? CheckTrust(X509Certificate2 leaf, List<X509Certificate2> elements, X509ChainStatusFlags flags)
    {
        if (options.PinOnly || (flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) == 0)
        {
            return null;
        }

        if (elements.Count == 1 && IsSelfIssued(leaf))
        {
            return new MqttTlsException(MqttTlsFailureKind.SelfSignedServerCertificate,
                $"The broker at '{targetHost}' presents a self-signed certificate ('{leaf.Subject}'), which no CA in {Trust} vouches for. " +
                $"Issue the broker a certificate from your CA, or trust this one explicitly: add it to MqttTlsOptions.CaFile (or CaCertificates), or pin its key with PinnedPublicKeys = [\"{PublicKeyPins.Of(leaf)}\"] and PinOnly = true.");
        }

        var top = elements[^1];
        var untrusted = IsSelfIssued(top) ? top.Subject : top.Issuer;
        var issuer = untrusted == leaf.Issuer ? $"was issued by '{leaf.Issuer}'" : $"was issued by '{leaf.Issuer}', whose chain ends at '{untrusted}'";
        return new MqttTlsException(MqttTlsFailureKind.UntrustedIssuer,
            $"The broker's certificate '{leaf.Subject}' {issuer}, which is not a trusted CA in {Trust}. " +
            (options.CaCertificates is not null
                ? "Add the CA that issued the broker's certificate to MqttTlsOptions.CaCertificates, or re-issue the broker's certificate from one of those CAs."
                : options.CaFile is null
                ? "Set MqttTlsOptions.CaFile to the PEM file of the CA that issued the broker's certificate (a private CA is never in the OS store)."
                : "Set MqttTlsOptions.CaFile to the PEM file of the CA that issued the broker's certificate, or re-issue the broker's certificate from the CA in that file."));
    }

    private MqttTlsException? CheckValidity(List<X509Certificate2> elements)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var certificate in elements)
        {
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
            if (notAfter < now)
            {
                return new MqttTlsException(MqttTlsFailureKind.CertificateExpired,
                    $"The certificate '{certificate.Subject}' in the broker's chain expired on {notAfter:yyyy-MM-dd HH:mm:ss}Z, {Span(now - notAfter)} ago. " +
                    "Renew the broker's certificate (or, if that date is wrong, correct this machine's clock).");
            }

            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
            if (notBefore > now)
            {
                return new MqttTlsException(MqttTlsFailureKind.CertificateNotYetValid,
                    $"The certificate '{certificate.Subject}' in the broker's chain is not valid until {notBefore:yyyy-MM-dd HH:mm:ss}Z, {Span(notBefore - now)} from now. " +
                    "Check the clock of this machine (a device without a real-time clock often starts in 1970) and of the machine that issued the certificate.");
            }
        }

        return null;
    }

    private MqttTlsException? CheckUsage(X509Certificate2 leaf, X509ChainStatusFlags flags)
    {
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        var usages = eku?.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value).ToList();
        var missing = usages is not null && !usages.Contains(ServerAuthOid) && !usages.Contains(AnyExtendedKeyUsageOid);
        if (!missing && !flags.HasFlag(X509ChainStatusFlags.NotValidForUsage))
        {
            return null;
        }

        var names = eku is null ? "(none)" : string.Join(", ", eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.FriendlyName ?? o.Value));
        return new MqttTlsException(MqttTlsFailureKind.MissingServerAuthUsage,
            $"The broker's certificate '{leaf.Subject}' is not meant for a TLS server: its extended key usage is {names}, without serverAuth (TLS Web Server Authentication). " +
            "Re-issue it as a server certificate (smqtt certs server, or extendedKeyUsage = serverAuth in openssl).");
    }

    private MqttTlsException? CheckOnlineRevocation(X509ChainStatusFlags flags)
    {
        if (flags.HasFlag(X509ChainStatusFlags.Revoked))
        {
            return new MqttTlsException(MqttTlsFailureKind.CertificateRevoked,
                $"A certificate in the broker's chain has been revoked by its CA (checked online). The broker needs a new certificate; until then do not trust this endpoint.");
        }

        if (options.CheckCertificateRevocation && (flags & (X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation)) != 0)
        {
            return new MqttTlsException(MqttTlsFailureKind.RevocationStatusUnknown,
                "The revocation status of the broker's certificate could not be checked online (no CRL distribution point or OCSP responder reachable). " +
                "Make the CA's CRL URL reachable from here, use MqttTlsOptions.CrlFile to check against a local CRL instead, or turn CheckCertificateRevocation off.");
        }

        return null;
    }

    private MqttTlsException? CheckRemainingChainErrors(X509Certificate2 leaf, X509ChainStatusFlags flags)
    {
        var handled = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.NotTimeValid
            | X509ChainStatusFlags.NotValidForUsage | X509ChainStatusFlags.Revoked | X509ChainStatusFlags.RevocationStatusUnknown
            | X509ChainStatusFlags.OfflineRevocation;
        var rest = flags & ~handled;
        if (rest == X509ChainStatusFlags.NoError)
        {
            return null;
        }

        return new MqttTlsException(MqttTlsFailureKind.InvalidServerCertificate,
            $"The broker's certificate '{leaf.Subject}' failed verification against {Trust}: {rest}. Check the certificate with 'smqtt certs inspect --host {targetHost}' and re-issue it.");
    }

    private MqttTlsException? CheckHostName(X509Certificate2 leaf, SslPolicyErrors errors)
    {
        if (options.PinOnly || !errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return null;
        }

        var names = CertificateNames(leaf);
        return new MqttTlsException(MqttTlsFailureKind.HostnameMismatch,
            $"The broker's certificate is for {(names.Count == 0 ? "no host name at all (no subjectAltName)" : string.Join(", ", names))}, not for '{targetHost}'. " +
            "Connect using one of those names, set MqttTlsOptions.TargetHost to one of them, or issue the broker a certificate that names this host.");
    }

    private MqttTlsException? CheckCrl(List<X509Certificate2> elements)
    {
        if (crls is null)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        for (var i = 0; i < elements.Count; i++)
        {
            var certificate = elements[i];
            if (IsSelfIssued(certificate))
            {
                break; // a root is trusted as such; nobody above it can revoke it
            }

            var issuer = i + 1 < elements.Count ? elements[i + 1] : null;
            var candidates = crls.Where(c => c.Covers(certificate)).ToList();
            if (candidates.Count == 0 || issuer is null)
            {
                if (i > 0)
                {
                    continue; // intermediates are checked when the file happens to carry their issuer's CRL
                }

                var outOfScope = crls.Any(c => c.IsFrom(certificate))
                    ? " (the file has CRLs from that CA, but their issuingDistributionPoint limits them to CA certificates or to other distribution points)"
                    : string.Empty;
                return new MqttTlsException(MqttTlsFailureKind.RevocationStatusUnknown,
                    $"The CRL file '{options.CrlFile}' has no CRL from '{certificate.Issuer}' that covers the broker's certificate{outOfScope}, so its revocation cannot be checked. " +
                    "Add that CA's CRL to the file (concatenated PEM), or point CrlFile at the right CA's CRL.");
            }

            // [RFC 5280 6.3.3 (f)] Only a key allowed to sign CRLs vouches for one.
            if (issuer.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } usage && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.CrlSign))
            {
                return new MqttTlsException(MqttTlsFailureKind.InvalidCrlFile,
                    $"The CA '{issuer.Subject}' is not allowed to sign CRLs (its key usage lacks cRLSign), so the CRL in '{options.CrlFile}' that claims to come from it cannot be trusted. " +
                    "Re-create the CA certificate with keyUsage = keyCertSign, cRLSign.");
            }

            var crl = candidates.FirstOrDefault(c => c.IsSignedBy(issuer));
            if (crl is null)
            {
                return new MqttTlsException(MqttTlsFailureKind.InvalidCrlFile,
                    $"The CRL in '{options.CrlFile}' that claims to come from '{certificate.Issuer}' is not signed by that CA's key (the CA was re-created, or the file was altered). " +
                    "Export a fresh CRL from the CA that issued the broker's certificate.");
            }

            if (crl.NextUpdate is { } next && next < now)
            {
                return new MqttTlsException(MqttTlsFailureKind.RevocationStatusUnknown,
                    $"The CRL from '{crl.Issuer.Name}' in '{options.CrlFile}' expired on {next:yyyy-MM-dd HH:mm:ss}Z, {Span(now - next)} ago, so it cannot vouch that the broker's certificate is not revoked. " +
                    "Have the CA issue a fresh CRL (smqtt certs revoke, without arguments) and update the file.");
            }

            if (crl.ThisUpdate > now)
            {
                return new MqttTlsException(MqttTlsFailureKind.RevocationStatusUnknown,
                    $"The CRL from '{crl.Issuer.Name}' in '{options.CrlFile}' is dated {crl.ThisUpdate:yyyy-MM-dd HH:mm:ss}Z, in the future: check this machine's clock.");
            }

            if (crl.TryGetRevocation(certificate, out var revokedAt))
            {
                return new MqttTlsException(MqttTlsFailureKind.CertificateRevoked,
                    $"The certificate '{certificate.Subject}' (serial {certificate.SerialNumber}) in the broker's chain was revoked by '{certificate.Issuer}' on {revokedAt:yyyy-MM-dd HH:mm:ss}Z, according to '{options.CrlFile}'. " +
                    "The broker needs a newly issued certificate; until then this endpoint must not be trusted.");
            }
        }

        Log.CrlChecked(logger, targetHost, crls.Count, options.CrlFile ?? string.Empty);
        return null;
    }

    private MqttTlsException? CheckPins(X509Certificate2 leaf, List<X509Certificate2> elements)
    {
        if (options.PinnedPublicKeys.Count == 0)
        {
            return null;
        }

        // Without CA verification only the leaf's key is proven: the server signed the handshake with it.
        var candidates = options.PinOnly ? [leaf] : elements;
        foreach (var certificate in candidates)
        {
            var pin = PublicKeyPins.Of(certificate);
            if (options.PinnedPublicKeys.Contains(pin, StringComparer.Ordinal))
            {
                Log.TrustedByPin(logger, targetHost, pin);
                MatchedPin = pin;
                return null;
            }
        }

        var presented = string.Join(", ", candidates.Select(c => $"{PublicKeyPins.Of(c)} ('{c.Subject}')"));
        return new MqttTlsException(MqttTlsFailureKind.PinMismatch,
            $"None of the pinned keys ({string.Join(", ", options.PinnedPublicKeys)}) matches the broker at '{targetHost}', which presented {presented}. " +
            "If the broker's key was changed on purpose, add its pin to MqttTlsOptions.PinnedPublicKeys (keep the old one until every broker uses the new key); " +
            "if not, someone may be intercepting the connection.");
    }

    /// <summary>The pin that matched, when pins are configured and one did.</summary>
    public string? MatchedPin { get; private set; }

    internal static bool IsSelfIssued(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    internal static List<string> CertificateNames(X509Certificate2 cert)
    {
        var names = new List<string>();
        foreach (var ext in cert.Extensions)
        {
            if (ext is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames().Select(n => "DNS:" + n));
                names.AddRange(san.EnumerateIPAddresses().Select(ip => "IP:" + ip));
            }
        }

        var cn = cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (names.Count == 0 && !string.IsNullOrEmpty(cn))
        {
            // Only mentioned: TLS clients (this one included) ignore the CN when matching host names.
            names.Add($"only the common name CN={cn}, which TLS clients no longer match against,");
        }

        return names;
    }

    internal static string Span(TimeSpan span) => span.TotalDays >= 2 ? $"{(int)span.TotalDays} days"
        : span.TotalHours >= 2 ? $"{(int)span.TotalHours} hours"
        : span.TotalMinutes >= 2 ? $"{(int)span.TotalMinutes} minutes"
        : $"{Math.Max(0, (int)span.TotalSeconds)} seconds";
}
