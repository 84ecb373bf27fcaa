using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt;

/// <summary>
/// What the TLS handshake negotiated and, for certificate TLS, which server certificate was verified. A TLS-PSK
/// connection has no certificates: <see cref="ServerCertificate"/> is null and <see cref="PreSharedKeyIdentity"/>
/// names the key that authenticated both sides.
/// </summary>
public sealed class MqttTlsInfo
{
    // Certificates are made from their DER on first use (TlsHandshakeState.ServerChainDer says why).
    private readonly IReadOnlyList<byte[]> _serverChainDer;
    private X509Certificate2[]? _serverChain;

    internal MqttTlsInfo(SslProtocols protocol, TlsCipherSuite cipherSuite, IReadOnlyList<byte[]> serverChainDer, string? applicationProtocol, string targetHost, bool verified)
    {
        Protocol = protocol;
        CipherSuite = cipherSuite;
        CipherSuiteName = cipherSuite.ToString();
        _serverChainDer = serverChainDer;
        ApplicationProtocol = applicationProtocol;
        TargetHost = targetHost;
        ServerCertificateVerified = verified;
    }

    /// <summary>The suite's name: the IANA name <see cref="CipherSuite"/> has, or for a TLS-PSK suite .NET has no value for, OpenSSL's name.</summary>
    public string CipherSuiteName { get; private init; }

    /// <summary>The TLS-PSK identity the connection was authenticated with, or null for certificate TLS.</summary>
    public string? PreSharedKeyIdentity { get; private init; }

    /// <summary>Which implementation carried the TLS-PSK connection (OpenSsl or Managed), or null for certificate TLS.</summary>
    public MqttPskImplementation? PskImplementation { get; private init; }

    /// <summary>The negotiated TLS version.</summary>
    public SslProtocols Protocol { get; }

    /// <summary>The negotiated cipher suite (TLS_NULL_WITH_NULL_NULL for a TLS-PSK suite .NET has no value for: see <see cref="CipherSuiteName"/>).</summary>
    public TlsCipherSuite CipherSuite { get; }

    /// <summary>The server's certificate; null for TLS-PSK, which uses none.</summary>
    public X509Certificate2? ServerCertificate => ServerCertificateChain is [var leaf, ..] ? leaf : null;

    /// <summary>The server's chain as built during verification, server certificate first; empty for TLS-PSK.</summary>
    public IReadOnlyList<X509Certificate2> ServerCertificateChain
    {
        get
        {
            if (_serverChain is null)
            {
                // A race makes two arrays of equal certificates; one wins, and every later call sees that one.
                Interlocked.CompareExchange(ref _serverChain, Tls.TlsHandshakeState.ToCertificates(_serverChainDer), null);
            }

            return _serverChain;
        }
    }

    /// <summary>The ALPN protocol agreed on, or null when none was.</summary>
    public string? ApplicationProtocol { get; }

    /// <summary>The name the certificate was checked against (and sent as SNI; for TLS-PSK only sent).</summary>
    public string TargetHost { get; }

    /// <summary>
    /// Certificate TLS: false only when AllowUntrustedServerCertificate let an unverifiable certificate through.
    /// TLS-PSK: false, as there is no certificate (the pre-shared key authenticated the server).
    /// </summary>
    public bool ServerCertificateVerified { get; }

    /// <summary>The entry of <see cref="MqttTlsOptions.PinnedPublicKeys"/> that matched, or null when no pins are configured.</summary>
    public string? MatchedPin { get; internal init; }

    /// <summary>True when a client certificate was configured and offered to the broker.</summary>
    public bool ClientCertificateSent { get; internal init; }

    /// <summary>What a TLS-PSK handshake negotiated, from OpenSSL's names for version and suite (the managed path reports IANA suite names).</summary>
    internal static MqttTlsInfo ForPreSharedKey(string openSslVersion, string openSslCipher, string targetHost, string identity, MqttPskImplementation implementation)
    {
        var protocol = openSslVersion switch
        {
            "TLSv1.3" => SslProtocols.Tls13,
            "TLSv1.2" => SslProtocols.Tls12,
            _ => SslProtocols.None,
        };
        var suite = Tls.PskCipherSuites.FromOpenSslName(openSslCipher);
        return new MqttTlsInfo(protocol, suite ?? default, [], null, targetHost, verified: false)
        {
            CipherSuiteName = suite?.ToString() ?? openSslCipher,
            PreSharedKeyIdentity = identity,
            PskImplementation = implementation,
        };
    }
}
