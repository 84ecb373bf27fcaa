using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace SecureMqtt.Tls;

/// <summary>
/// What one TLS handshake observed: why the server certificate was refused, whether the server asked for a
/// client certificate, what the server sent first. SslStream reports only "authentication failed"; this keeps
/// the facts needed to tell the application the real cause.
/// </summary>
internal sealed class TlsHandshakeState(MqttTlsOptions options, string targetHost, ILogger logger, TimeProvider timeProvider)
{
    public MqttTlsException? ValidationFailure { get; private set; }

    public bool CertificateRequested { get; private set; }

    public bool ClientCertificateConfigured => options.HasClientCertificate;

    public bool Verified { get; private set; } = true;

    /// <summary>Set once the handshake completed.</summary>
    public SslProtocols NegotiatedProtocol { get; set; }

    /// <summary>First byte the server sent (-1: none yet); TLS records start with 0x14..0x17.</summary>
    public int FirstServerByte { get; set; } = -1;

    public bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (options.AllowUntrustedServerCertificate)
        {
            Verified = false;
            Log.UntrustedServerCertificateAllowed(logger, targetHost, errors);
            return true;
        }

        ValidationFailure = Describe(certificate, chain, errors);
        return false;
    }

    public X509Certificate? SelectClientCertificate(object sender, string targetHost, X509CertificateCollection localCertificates, X509Certificate? remoteCertificate, string[] acceptableIssuers)
    {
        // Only installed when no client certificate is configured. SslStream may also call it before the server
        // spoke; only a call made after the server's certificate arrived means the server asked for ours.
        if (remoteCertificate is not null)
        {
            CertificateRequested = true;
        }

        return null;
    }

    private MqttTlsException Describe(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return new MqttTlsException(MqttTlsFailureKind.InvalidServerCertificate, $"The broker at '{targetHost}' sent no certificate.");
        }

        using var cert = new X509Certificate2(certificate);
        var trust = options.CaFile is null ? "the operating system's trust store" : $"the CA file '{options.CaFile}'";
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var flags = X509ChainStatusFlags.NoError;
            foreach (var status in chain?.ChainStatus ?? [])
            {
                flags |= status.Status;
            }

            if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
            {
                var now = timeProvider.GetUtcNow().UtcDateTime;
                var expired = FindOutOfTime(chain, now, expired: true);
                if (expired is not null)
                {
                    return new MqttTlsException(MqttTlsFailureKind.CertificateExpired,
                        $"The certificate '{expired.Subject}' in the broker's chain expired on {expired.NotAfter.ToUniversalTime():u}. Renew the broker's certificate (or check this machine's clock).");
                }

                var early = FindOutOfTime(chain, now, expired: false) ?? cert;
                return new MqttTlsException(MqttTlsFailureKind.CertificateNotYetValid,
                    $"The certificate '{early.Subject}' in the broker's chain is not valid before {early.NotBefore.ToUniversalTime():u}. Check the clocks of this machine and of the machine that issued it.");
            }

            if (flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain))
            {
                return new MqttTlsException(MqttTlsFailureKind.UntrustedIssuer,
                    $"The broker's certificate '{cert.Subject}' (issued by '{cert.Issuer}') does not chain to a CA in {trust}. " +
                    "Set MqttTlsOptions.CaFile to the PEM file of the CA that issued the broker's certificate, or fix the broker's certificate.");
            }

            return new MqttTlsException(MqttTlsFailureKind.InvalidServerCertificate,
                $"The broker's certificate '{cert.Subject}' failed verification against {trust}: {flags}.");
        }

        var names = CertificateNames(cert);
        return new MqttTlsException(MqttTlsFailureKind.HostnameMismatch,
            $"The broker's certificate is for {(names.Count == 0 ? "no host name" : string.Join(", ", names))}, not for '{targetHost}'. " +
            "Connect using one of those names, set MqttTlsOptions.TargetHost to one of them, or issue the broker a certificate that names this host.");
    }

    private static X509Certificate2? FindOutOfTime(X509Chain? chain, DateTime now, bool expired)
    {
        foreach (var element in chain?.ChainElements ?? (IEnumerable<X509ChainElement>)[])
        {
            var c = element.Certificate;
            if (expired ? c.NotAfter.ToUniversalTime() < now : c.NotBefore.ToUniversalTime() > now)
            {
                return c;
            }
        }

        return null;
    }

    internal static List<string> CertificateNames(X509Certificate2 cert)
    {
        var names = new List<string>();
        foreach (var ext in cert.Extensions)
        {
            if (ext is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames().Select(n => "DNS:" + n));
                names.AddRange(san.EnumerateIPAddresses().Select(ip => "IP:" + ip.ToString()));
            }
        }

        var cn = cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (names.Count == 0 && !string.IsNullOrEmpty(cn))
        {
            names.Add("CN:" + cn);
        }

        return names;
    }

    /// <summary>Turns a failed handshake into the TLS failure kind with a plain message.</summary>
    public MqttTlsException Classify(Exception error, int port)
    {
        if (ValidationFailure is not null)
        {
            return ValidationFailure;
        }

        var text = Flatten(error);
        if (ClassifyAlert(text) is { } alert)
        {
            return alert;
        }

        if (text.Contains("protocol version", StringComparison.OrdinalIgnoreCase) || text.Contains("unsupported protocol", StringComparison.OrdinalIgnoreCase)
            || text.Contains("no protocols available", StringComparison.OrdinalIgnoreCase))
        {
            return new MqttTlsException(MqttTlsFailureKind.ProtocolVersionMismatch,
                $"The broker and the client have no TLS version in common (client minimum: {options.MinimumVersion}). Lower MqttTlsOptions.MinimumVersion or enable TLS 1.2/1.3 on the broker.", error);
        }

        if ((FirstServerByte is not (-1 or 0x15 or 0x16)) || text.Contains("wrong version number", StringComparison.OrdinalIgnoreCase))
        {
            return NotTls(port, error);
        }

        if (FirstServerByte == -1)
        {
            if (CertificateRequested && !ClientCertificateConfigured)
            {
                return ClientCertificateRequired(error);
            }

            // The server closed without sending a single TLS byte: it did not understand our ClientHello.
            return NotTls(port, error);
        }

        if (CertificateRequested && !ClientCertificateConfigured && text.Contains("handshake failure", StringComparison.OrdinalIgnoreCase))
        {
            return ClientCertificateRequired(error);
        }

        return new MqttTlsException(MqttTlsFailureKind.HandshakeFailed, $"The TLS handshake with '{targetHost}' failed: {text}", error);
    }

    /// <summary>Explains a failure on the first read after the handshake (TLS 1.3 client certificate rejection), or null.</summary>
    public MqttTlsException? ExplainEarlyFailure(Exception? error)
    {
        var text = error is null ? string.Empty : Flatten(error);
        if (ClassifyAlert(text) is { } alert)
        {
            return alert;
        }

        if (CertificateRequested && !ClientCertificateConfigured)
        {
            return ClientCertificateRequired(error);
        }

        if (NegotiatedProtocol == SslProtocols.Tls13 && ClientCertificateConfigured && error is null or IOException)
        {
            // TLS 1.3 lets the client finish its handshake before the server has checked the client certificate;
            // a broker that then drops the connection before any MQTT byte has, in practice, refused the certificate
            // (its alert is often lost to the TCP reset caused by our CONNECT arriving at a closed socket).
            return new MqttTlsException(MqttTlsFailureKind.ClientCertificateRejected,
                $"The broker at '{targetHost}' closed the connection right after the TLS 1.3 handshake, before answering CONNECT: it most likely rejected the client certificate. " +
                "Use a client certificate issued by a CA the broker trusts (its cafile), valid now and meant for client authentication.", error);
        }

        return null;
    }

    private MqttTlsException? ClassifyAlert(string text)
    {
        if (text.Contains("certificate required", StringComparison.OrdinalIgnoreCase))
        {
            return ClientCertificateRequired(null);
        }

        string[] rejections = ["bad certificate", "unknown ca", "certificate unknown", "unsupported certificate", "certificate revoked", "certificate expired", "access denied"];
        if (ClientCertificateConfigured && rejections.Any(r => text.Contains(r, StringComparison.OrdinalIgnoreCase)))
        {
            return new MqttTlsException(MqttTlsFailureKind.ClientCertificateRejected,
                $"The broker at '{targetHost}' rejected the client certificate ({text}). Use a client certificate issued by a CA the broker trusts, that is valid now and meant for client authentication.");
        }

        return null;
    }

    private MqttTlsException ClientCertificateRequired(Exception? error) => new(MqttTlsFailureKind.ClientCertificateRequired,
        $"The broker at '{targetHost}' requires a client certificate and none was configured. Set MqttTlsOptions.ClientCertificateFile and ClientKeyFile (or Pkcs12File).", error);

    private MqttTlsException NotTls(int port, Exception error) => new(MqttTlsFailureKind.NotTls,
        $"The broker at '{targetHost}' port {port} did not answer with TLS: it is probably a plain MQTT listener. Use its TLS port, or set MqttClientOptions.Tls to null for plain TCP.", error);

    private static string Flatten(Exception error)
    {
        var parts = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message);
        }

        return string.Join(" -> ", parts);
    }
}
