namespace SecureMqtt.Cli;

/// <summary>A user-facing error: its message is printed as one line on stderr and the command exits with <see cref="ExitCodes.Failure"/>.</summary>
internal sealed class CliException : Exception
{
    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
