namespace SecureMqtt.Pki;

/// <summary>A key, certificate or CRL file could not be used; the message says what is wrong and what to do.</summary>
public sealed class PkiException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public PkiException()
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong and what to do.</summary>
    /// <param name="message">The message.</param>
    public PkiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PkiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
