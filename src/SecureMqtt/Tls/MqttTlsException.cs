namespace SecureMqtt;

/// <summary>
/// Setting up TLS with the broker failed. <see cref="Kind"/> says why; the message names the cause and the fix.
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

    /// <summary>Only a timeout may go away by itself; certificate problems need a configuration change.</summary>
    public override bool IsTransient => Kind is MqttTlsFailureKind.Timeout;
}
