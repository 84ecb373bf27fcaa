namespace SecureMqtt.Cli.Common;

/// <summary>
/// A command line mosquitto_pub/mosquitto_sub would also reject: printed as one "Error: ..." line and exit code 1,
/// as those tools do (not the 2 that the other smqtt commands use), so scripts written for them keep working.
/// </summary>
internal sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
