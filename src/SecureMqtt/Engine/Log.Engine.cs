using Microsoft.Extensions.Logging;

namespace SecureMqtt;

/// <summary>Log messages of the connection supervisor: reconnects, failover, the offline queue (event ids 300-399).</summary>
internal static partial class Log
{
    [LoggerMessage(300, LogLevel.Information, "Reconnecting to {Endpoint} in {DelayMs} ms (attempt {Attempt})")]
    public static partial void ReconnectScheduled(ILogger logger, string endpoint, long delayMs, int attempt);

    [LoggerMessage(301, LogLevel.Warning, "Connection attempt {Attempt} to {Endpoint} failed: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, int attempt, string endpoint, string reason);

    [LoggerMessage(302, LogLevel.Error, "Reconnecting stopped after {Attempts} attempts: {Reason}")]
    public static partial void ReconnectGaveUp(ILogger logger, int attempts, string reason);

    [LoggerMessage(303, LogLevel.Information, "Reconnected to {Endpoint} (session present: {SessionPresent}); {Retransmitted} packets retransmitted, {Resent} messages published again, {Resubscribed} subscriptions sent again, {Queued} queued")]
    public static partial void Reconnected(ILogger logger, string endpoint, bool sessionPresent, int retransmitted, int resent, int resubscribed, int queued);

    [LoggerMessage(304, LogLevel.Warning, "QoS 0 message on '{Topic}' dropped while not connected (OfflineQueue.DropAtMostOnce)")]
    public static partial void OfflineDropped(ILogger logger, string topic);

    [LoggerMessage(305, LogLevel.Warning, "Resubscribing '{Filter}' after the reconnect was refused by the broker: {ReasonCode}")]
    public static partial void ResubscribeRefused(ILogger logger, string filter, Packets.MqttReasonCode reasonCode);

    [LoggerMessage(306, LogLevel.Information, "Following the broker's Server Reference to {Endpoint}")]
    public static partial void FollowingServerReference(ILogger logger, string endpoint);

    [LoggerMessage(307, LogLevel.Warning, "A queued message on '{Topic}' cannot be sent to this broker and fails: {Reason}")]
    public static partial void QueuedMessageRefused(ILogger logger, string topic, string reason);

    [LoggerMessage(308, LogLevel.Warning, "An event handler ({Event}) threw")]
    public static partial void EventHandlerFailed(ILogger logger, string @event, Exception exception);

    [LoggerMessage(309, LogLevel.Warning, "Recording the handled QoS 2 message {PacketId} in the session store failed; PUBREC is sent anyway, and a crash before PUBREL could deliver it once more")]
    public static partial void IncomingRecordFailed(ILogger logger, ushort packetId, Exception exception);
}
