using Microsoft.Extensions.Logging;

namespace SecureMqtt;

/// <summary>Log messages of the limits on what the broker sends (event ids 200-299).</summary>
internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Warning, "Incoming message on '{Topic}' dropped: {Bytes} bytes do not fit in IncomingMessageBufferSize ({Capacity} bytes) while the application is behind (IncomingMessageFullMode {Mode})")]
    public static partial void MessageDroppedForBytes(ILogger logger, string topic, long bytes, long capacity, string mode);

    [LoggerMessage(201, LogLevel.Warning, "Incoming message refused: its topic is {Length} bytes, above MaximumTopicLength ({Maximum}); it starts '{Start}'")]
    public static partial void TopicTooLong(ILogger logger, int length, int maximum, string start);
}
