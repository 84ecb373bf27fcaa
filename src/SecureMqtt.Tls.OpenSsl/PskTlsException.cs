namespace SecureMqtt.Tls.OpenSsl;

/// <summary>A TLS-PSK connection failed; <see cref="Kind"/> says why and the message says what to do about it.</summary>
/// <remarks>Messages may quote OpenSSL's error queue and the PSK identity, never the key.</remarks>
public sealed class PskTlsException : Exception
{
    /// <summary>Creates an exception of kind <see cref="PskTlsFailure.HandshakeFailed"/>.</summary>
    public PskTlsException()
        : this(PskTlsFailure.HandshakeFailed, "The TLS-PSK handshake failed.")
    {
    }

    /// <summary>Creates an exception of kind <see cref="PskTlsFailure.HandshakeFailed"/>.</summary>
    /// <param name="message">A plain-language description of the failure.</param>
    public PskTlsException(string message)
        : this(PskTlsFailure.HandshakeFailed, message)
    {
    }

    /// <summary>Creates an exception of kind <see cref="PskTlsFailure.HandshakeFailed"/> wrapping a cause.</summary>
    /// <param name="message">A plain-language description of the failure.</param>
    /// <param name="innerException">The underlying failure.</param>
    public PskTlsException(string message, Exception? innerException)
        : this(PskTlsFailure.HandshakeFailed, message, innerException)
    {
    }

    /// <summary>Creates an exception of the given kind.</summary>
    /// <param name="kind">Why the connection failed.</param>
    /// <param name="message">A plain-language description naming the cause and the fix.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public PskTlsException(PskTlsFailure kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Why the connection failed.</summary>
    public PskTlsFailure Kind { get; }

    /// <summary>True when retrying the same connection later may succeed (a timeout or a dropped connection); false when a setting must change first.</summary>
    public bool IsTransient => Kind is PskTlsFailure.Timeout or PskTlsFailure.ConnectionClosed;

    /// <summary>OpenSSL's error queue at the time of failure, one entry per line (empty when OpenSSL reported nothing).</summary>
    public string OpenSslErrors { get; init; } = string.Empty;
}
