using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt;

/// <summary>
/// Setting up TLS with the broker failed. <see cref="Kind"/> says why; the message names the cause and the fix.
/// Messages never contain passphrases, passwords or keys.
/// </summary>
public sealed class MqttTlsException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">The class of failure.</param>
    /// <param name="message">The cause and the fix in plain language.</param>
    /// <param name="inner">The platform exception, if any.</param>
    public MqttTlsException(MqttTlsFailureKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    /// <summary>The class of failure.</summary>
    public MqttTlsFailureKind Kind { get; }

    /// <summary>
    /// The server's certificate chain as received and built (server certificate first), when the failure happened
    /// after the server presented it; empty otherwise. Lets tools show what the broker actually sent.
    /// </summary>
    public IReadOnlyList<X509Certificate2> ServerCertificateChain { get; internal set; } = [];

    /// <summary>Only a timeout or a dropped connection may go away by itself; the other kinds need a configuration change.</summary>
    public override bool IsTransient => Kind is MqttTlsFailureKind.Timeout or MqttTlsFailureKind.ConnectionClosedDuringHandshake;
}
