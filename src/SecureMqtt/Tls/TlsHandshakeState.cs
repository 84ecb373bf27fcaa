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
internal sealed partial class TlsHandshakeState(MqttTlsOptions options, string targetHost, ServerCertificateVerifier verifier, ILogger logger)
{
    public MqttTlsException? ValidationFailure { get; private set; }

    public bool CertificateRequested { get; private set; }

    public bool ClientCertificateConfigured => options.HasClientCertificate;

    public bool Verified { get; private set; } = true;

    /// <summary>
    /// The chain the server presented (as built by the chain builder), server certificate first, as DER copied out
    /// of the callback (SslStream disposes the chain after it). Kept as bytes: a certificate object costs 0.3-0.6 ms
    /// to make on this path, three of them were a fifth of a TLS connect, and most applications never look at them.
    /// </summary>
    public IReadOnlyList<byte[]> ServerChainDer { get; private set; } = [];

    /// <summary>The chain as certificate objects, made on each call: for failures and for <see cref="MqttTlsInfo"/> when asked.</summary>
    public IReadOnlyList<X509Certificate2> ServerChain => ToCertificates(ServerChainDer);

    internal static X509Certificate2[] ToCertificates(IReadOnlyList<byte[]> der)
    {
        var certificates = new X509Certificate2[der.Count];
        for (var i = 0; i < certificates.Length; i++)
        {
            certificates[i] = X509CertificateLoader.LoadCertificate(der[i]);
        }

        return certificates;
    }

    public string? MatchedPin => verifier.MatchedPin;

    /// <summary>Set once the handshake completed.</summary>
    public SslProtocols NegotiatedProtocol { get; set; }

    /// <summary>First byte the server sent (-1: none yet); TLS records start with 0x14..0x17.</summary>
    public int FirstServerByte { get; set; } = -1;

    public bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            ValidationFailure = new MqttTlsException(MqttTlsFailureKind.InvalidServerCertificate,
                $"The broker at '{targetHost}' sent no certificate. Check that the port is a certificate TLS listener (a PSK-only listener needs MqttTlsOptions.PreSharedKey).");
            return false;
        }

        // The verifier reads the callback's own objects, which are valid until it returns; only the bytes are kept.
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        ServerChainDer = chain is { ChainElements.Count: > 0 }
            ? [.. chain.ChainElements.Select(e => e.Certificate.RawData)]
            : [leaf.RawData];

        if (options.AllowUntrustedServerCertificate)
        {
            if (errors != SslPolicyErrors.None)
            {
                Verified = false;
                Log.UntrustedServerCertificateAllowed(logger, targetHost, errors);
            }

            return true;
        }

        ValidationFailure = verifier.Verify(leaf, chain, errors);
        if (ValidationFailure is not null)
        {
            ValidationFailure.ServerCertificateChain = ServerChain;
            return false;
        }

        return true;
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
}
