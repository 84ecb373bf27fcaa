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

    /// <summary>The broker rejected the client certificate that was sent.</summary>
    ClientCertificateRejected,

    /// <summary>The handshake failed for another reason (see the inner exception).</summary>
    HandshakeFailed,

    /// <summary>Client and broker have no TLS version in common (see MqttTlsOptions.MinimumVersion).</summary>
    ProtocolVersionMismatch,

    /// <summary>The port does not speak TLS (probably a plain MQTT listener).</summary>
    NotTls,

    /// <summary>The TLS handshake did not finish within the connect timeout.</summary>
    Timeout,

    /// <summary>The configured client certificate or key could not be loaded (file, format, passphrase or key mismatch).</summary>
    InvalidClientCertificate,

    /// <summary>The configured CA file could not be loaded.</summary>
    InvalidCaFile,

    /// <summary>The server sent no certificate, or a certificate the chain builder could not check for another reason.</summary>
    InvalidServerCertificate,
}
