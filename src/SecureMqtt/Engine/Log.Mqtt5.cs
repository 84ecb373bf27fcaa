using Microsoft.Extensions.Logging;

namespace SecureMqtt;

/// <summary>
/// Log messages of enhanced authentication, request/response and the places where the client tolerates what the
/// specification lets it tolerate (event ids 500-599).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(500, LogLevel.Warning, "Enhanced authentication ({Method}) failed: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string method, string reason);

    [LoggerMessage(501, LogLevel.Information, "Re-authenticated with {Method}")]
    public static partial void Reauthenticated(ILogger logger, string method);

    [LoggerMessage(502, LogLevel.Warning, "The broker answered a clean-session CONNECT with Session Present = 1 (MQTT-3.2.2-1); the session is treated as new")]
    public static partial void SessionPresentWithCleanSession(ILogger logger);

    [LoggerMessage(503, LogLevel.Warning, "The broker sent {Packet} for packet id {PacketId}, which no request is waiting for; ignored")]
    public static partial void UnknownRequestAck(ILogger logger, Packets.MqttPacketType packet, ushort packetId);

    [LoggerMessage(504, LogLevel.Warning, "The broker sent a QoS 0 PUBLISH on '{Topic}' with the DUP flag set (MQTT-3.3.1-2); the flag is ignored and the message delivered")]
    public static partial void DuplicateFlagOnAtMostOnce(ILogger logger, string topic);

    [LoggerMessage(505, LogLevel.Information, "Subscribed to the response topic filter '{Filter}' for requests")]
    public static partial void ResponseSubscribed(ILogger logger, string filter);

    [LoggerMessage(506, LogLevel.Debug, "A response on '{Topic}' matches no pending request (late, or for another client); dropped")]
    public static partial void UnmatchedResponse(ILogger logger, string topic);
}
