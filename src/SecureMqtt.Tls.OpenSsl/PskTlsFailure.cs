namespace SecureMqtt.Tls.OpenSsl;

/// <summary>Why a TLS-PSK connection failed, in terms a caller can act on.</summary>
public enum PskTlsFailure
{
    /// <summary>This platform has no usable OpenSSL 3 (libssl.so.3) with the PSK API.</summary>
    UnsupportedPlatform,

    /// <summary>The handshake failed for a reason none of the more specific kinds covers; the message carries OpenSSL's error text.</summary>
    HandshakeFailed,

    /// <summary>The server does not know the PSK identity the client sent.</summary>
    UnknownIdentity,

    /// <summary>The server knows the identity but the key differs (bad_record_mac / decrypt_error / binder failure).</summary>
    KeyMismatch,

    /// <summary>Client and server share no TLS version that both allow for PSK.</summary>
    ProtocolVersionMismatch,

    /// <summary>Client and server share no PSK cipher suite (or the server has no PSK listener on this port).</summary>
    NoSharedCipher,

    /// <summary>The server ignored the pre-shared key and tried to authenticate with a certificate, which a PSK client never accepts.</summary>
    PskNotUsed,

    /// <summary>The peer answered with bytes that are not TLS records (for example plain MQTT or HTTP).</summary>
    NotTls,

    /// <summary>The peer closed the connection before the handshake completed, or an established session broke off.</summary>
    ConnectionClosed,

    /// <summary>The handshake did not complete within <see cref="PskTlsClientOptions.HandshakeTimeout"/>.</summary>
    Timeout,

    /// <summary>A TLS error after the handshake (a corrupted record, an unexpected alert).</summary>
    ProtocolError,
}
