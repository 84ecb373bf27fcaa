using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt;

/// <summary>
/// What the certificate TLS handshake negotiated and which server certificate was verified. (TLS-PSK connections
/// have no server certificate and report no <see cref="MqttTlsInfo"/>; their parameters are logged at debug level.)
/// </summary>
public sealed class MqttTlsInfo
{
    internal MqttTlsInfo(SslProtocols protocol, TlsCipherSuite cipherSuite, X509Certificate2 serverCertificate, string? applicationProtocol, string targetHost, bool verified)
    {
        Protocol = protocol;
        CipherSuite = cipherSuite;
        ServerCertificate = serverCertificate;
        ApplicationProtocol = applicationProtocol;
        TargetHost = targetHost;
        ServerCertificateVerified = verified;
    }

    /// <summary>The negotiated TLS version.</summary>
    public SslProtocols Protocol { get; }

    /// <summary>The negotiated cipher suite.</summary>
    public TlsCipherSuite CipherSuite { get; }

    /// <summary>The server's certificate.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The server's chain as built during verification, server certificate first.</summary>
    public IReadOnlyList<X509Certificate2> ServerCertificateChain { get; internal init; } = [];

    /// <summary>The ALPN protocol agreed on, or null when none was.</summary>
    public string? ApplicationProtocol { get; }

    /// <summary>The name the certificate was checked against (and sent as SNI).</summary>
    public string TargetHost { get; }

    /// <summary>False only when AllowUntrustedServerCertificate let an unverifiable certificate through.</summary>
    public bool ServerCertificateVerified { get; }

    /// <summary>The entry of <see cref="MqttTlsOptions.PinnedPublicKeys"/> that matched, or null when no pins are configured.</summary>
    public string? MatchedPin { get; internal init; }

    /// <summary>True when a client certificate was configured and offered to the broker.</summary>
    public bool ClientCertificateSent { get; internal init; }
}
