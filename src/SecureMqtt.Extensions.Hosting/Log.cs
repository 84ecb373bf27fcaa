using Microsoft.Extensions.Logging;

namespace SecureMqtt.Extensions.Hosting;

/// <summary>
/// The hosted service's log lines (category SecureMqtt.Extensions.Hosting.MqttClientHostedService); the clients'
/// own lines are under SecureMqtt.MqttClient. Event ids start at 1000, apart from the library's.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Debug, "At host start, connecting {Client}")]
    public static partial void Connecting(ILogger logger, string client);

    [LoggerMessage(1001, LogLevel.Information, "At host start, {Client} connected to {Endpoint} as '{ClientId}'")]
    public static partial void Connected(ILogger logger, string client, string endpoint, string clientId);

    [LoggerMessage(1002, LogLevel.Error, "At host start, {Client} could not connect, so the host does not start: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string client, string reason, Exception exception);

    [LoggerMessage(1003, LogLevel.Information, "At host stop, {Client} disconnected")]
    public static partial void Disconnected(ILogger logger, string client);

    [LoggerMessage(1004, LogLevel.Warning, "At host stop, {Client} could not send DISCONNECT: {Reason}")]
    public static partial void DisconnectFailed(ILogger logger, string client, string reason, Exception exception);
}
