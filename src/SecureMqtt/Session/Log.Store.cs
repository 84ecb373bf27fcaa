using Microsoft.Extensions.Logging;

namespace SecureMqtt;

/// <summary>Log messages about the durable session store (event ids 390-399, the top of the supervisor's range).</summary>
internal static partial class Log
{
    [LoggerMessage(390, LogLevel.Information, "Restored from the session store: {Queued} queued messages, {Subscriptions} subscriptions")]
    public static partial void RestoredFromStore(ILogger logger, int queued, int subscriptions);

    [LoggerMessage(391, LogLevel.Warning, "The session store could not record the session's facts: {Reason}")]
    public static partial void SessionFactsNotSaved(ILogger logger, string reason);
}
