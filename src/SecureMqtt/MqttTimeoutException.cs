namespace SecureMqtt;

/// <summary>An operation with a time limit set in the options (connect, TLS handshake, CONNACK) ran out of time.</summary>
public sealed class MqttTimeoutException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What timed out and after how long.</param>
    /// <param name="inner">The cancellation that ended the wait, if any.</param>
    public MqttTimeoutException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
