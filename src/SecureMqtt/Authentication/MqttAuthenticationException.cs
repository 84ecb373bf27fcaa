using SecureMqtt.Packets;

namespace SecureMqtt.Authentication;

/// <summary>
/// Enhanced authentication failed: the server's challenge or proof was malformed or wrong, the server reported an
/// authentication error, or it refused the method or the credentials. Retrying with the same settings fails again.
/// </summary>
public sealed class MqttAuthenticationException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, in plain language; never a secret.</param>
    /// <param name="method">The Authentication Method in use, e.g. "SCRAM-SHA-256".</param>
    /// <param name="reasonCode">The reason code the server sent when it refused (0x87 Not authorized, 0x8C Bad authentication method); null when the client itself rejected the exchange.</param>
    /// <param name="inner">The exception that caused this one, if any.</param>
    public MqttAuthenticationException(string message, string? method = null, MqttReasonCode? reasonCode = null, Exception? inner = null)
        : base(message, inner)
    {
        Method = method;
        ReasonCode = reasonCode;
    }

    /// <summary>The Authentication Method in use, when known.</summary>
    public string? Method { get; }

    /// <summary>The server's reason code when the server refused; null when the client rejected the server's data.</summary>
    public MqttReasonCode? ReasonCode { get; }
}
