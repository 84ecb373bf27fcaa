namespace SecureMqtt;

/// <summary>What went wrong while setting up TLS; each kind has a different fix.</summary>
public enum MqttTlsFailureKind
{
    /// <summary>The server certificate does not chain to a trusted CA (the CA file, or the OS trust store).</summary>
    UntrustedIssuer,

    /// <summary>The server certificate is valid but issued for other names than the host connected to.</summary>
    HostnameMismatch,

    /// <summary>The server certificate (or one in its chain) has expired.</summary>
    CertificateExpired,

    /// <summary>The server certificate (or one in its chain) is not valid yet (check the clocks).</summary>
    CertificateNotYetValid,

    /// <summary>The broker requires a client certificate and none was configured.</summary>
    ClientCertificateRequired,

    /// <summary>The broker rejected the client certificate that was sent (unknown CA, revoked, expired, wrong usage).</summary>
    ClientCertificateRejected,

    /// <summary>The handshake failed for another reason (see the inner exception).</summary>
    HandshakeFailed,

    /// <summary>Client and broker have no TLS version in common (see MqttTlsOptions.MinimumVersion).</summary>
    ProtocolVersionMismatch,

    /// <summary>The port does not speak TLS (probably a plain MQTT listener).</summary>
    NotTls,

    /// <summary>The TLS handshake did not finish within the handshake (or connect) timeout: the peer stayed silent or stalled.</summary>
    Timeout,

    /// <summary>The configured client certificate or key could not be loaded (missing file, unreadable format).</summary>
    InvalidClientCertificate,

    /// <summary>The configured CA file could not be loaded.</summary>
    InvalidCaFile,

    /// <summary>The server sent no certificate, or a certificate the chain builder could not check for another reason.</summary>
    InvalidServerCertificate,

    /// <summary>The server presented a self-signed certificate that is not in the CA file (and no pin matched it).</summary>
    SelfSignedServerCertificate,

    /// <summary>The server certificate's extended key usage does not include TLS server authentication (serverAuth).</summary>
    MissingServerAuthUsage,

    /// <summary>The server certificate (or one in its chain) is revoked, according to the CRL file or the CA online.</summary>
    CertificateRevoked,

    /// <summary>Revocation was to be checked but could not be: the CRL has expired, does not cover the issuer, or the CA's revocation service was unreachable.</summary>
    RevocationStatusUnknown,

    /// <summary>
    /// The configured CRL file could not be read or parsed, its signature does not verify with the issuing CA, or it holds a CRL
    /// the client cannot honour completely (a delta or indirect CRL, an unknown critical extension, an unsupported signature).
    /// </summary>
    InvalidCrlFile,

    /// <summary>The client private key does not belong to the client certificate.</summary>
    ClientKeyMismatch,

    /// <summary>The client private key (or PKCS#12 file) is encrypted and the passphrase is missing or wrong.</summary>
    WrongKeyPassphrase,

    /// <summary>
    /// The broker refused the handshake with handshake_failure while no client certificate was involved: no cipher suite
    /// (or signature algorithm) in common. OpenSSL servers send the same alert for both, so they are one kind.
    /// </summary>
    NoCommonCipherSuite,

    /// <summary>The broker closed the connection in the middle of the handshake without saying why (no TLS alert).</summary>
    ConnectionClosedDuringHandshake,

    /// <summary>None of <see cref="MqttTlsOptions.PinnedPublicKeys"/> matches the server's key.</summary>
    PinMismatch,

    /// <summary>
    /// The server chain uses weak cryptography (SHA-1 or MD5 signature below the root, RSA/DSA key under 2048 bits,
    /// EC key under 224 bits); see <see cref="MqttTlsOptions.AllowWeakServerCertificates"/>.
    /// </summary>
    WeakServerCertificate,

    /// <summary>The broker did not accept the pre-shared key identity.</summary>
    PskIdentityUnknown,

    /// <summary>The broker knows the pre-shared key identity but holds another key for it.</summary>
    PskKeyMismatch,

    /// <summary>TLS-PSK needs OpenSSL 3 (Linux); this platform does not have it.</summary>
    PlatformNotSupported,
}
