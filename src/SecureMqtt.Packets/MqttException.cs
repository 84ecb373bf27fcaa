namespace SecureMqtt;

/// <summary>
/// The root of every error SecureMqtt raises. It lives in the codec assembly because the codec is the lowest
/// layer; the client adds sealed leaves for connection, TLS and timeout failures.
/// </summary>
public abstract class MqttException : Exception
{
    /// <summary>Creates the exception with a plain-language message and an optional cause.</summary>
    /// <param name="message">What went wrong, in plain language.</param>
    /// <param name="inner">The exception that caused this one, if any.</param>
    protected MqttException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>True when retrying the same operation later may succeed (a hint, not a promise).</summary>
    public virtual bool IsTransient => false;
}
