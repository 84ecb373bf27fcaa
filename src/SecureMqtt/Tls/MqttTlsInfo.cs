using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt;

/// <summary>What the TLS handshake negotiated and which server certificate was verified.</summary>
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

    /// <summary>The ALPN protocol agreed on, or null when none was.</summary>
    public string? ApplicationProtocol { get; }

    /// <summary>The name the certificate was checked against (and sent as SNI).</summary>
    public string TargetHost { get; }

    /// <summary>False only when AllowUntrustedServerCertificate let an unverifiable certificate through.</summary>
    public bool ServerCertificateVerified { get; }
}
