using System.Net.Security;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>Every log line the client writes, with unique event ids. Nothing here takes a secret as argument.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Connecting to {Host}:{Port} over {Transport} with MQTT {Version}")]
    public static partial void Connecting(ILogger logger, string host, int port, string transport, MqttProtocolVersion version);

    [LoggerMessage(2, LogLevel.Information, "Connected to {Host}:{Port} as '{ClientId}' (session present: {SessionPresent}, keep-alive {KeepAliveSeconds}s)")]
    public static partial void Connected(ILogger logger, string host, int port, string clientId, bool sessionPresent, int keepAliveSeconds);

    [LoggerMessage(3, LogLevel.Debug, "TLS established: {Protocol}, {CipherSuite}, server certificate '{Subject}' issued by '{Issuer}'")]
    public static partial void TlsEstablished(ILogger logger, SslProtocols protocol, TlsCipherSuite cipherSuite, string subject, string issuer);

    [LoggerMessage(4, LogLevel.Warning, "AllowUntrustedServerCertificate is set: the server certificate of {Host} was NOT verified ({Errors}). Anyone on the network path can read and change this connection. Never use this in production.")]
    public static partial void UntrustedServerCertificateAllowed(ILogger logger, string host, SslPolicyErrors errors);

    [LoggerMessage(5, LogLevel.Warning, "Connection to {Host}:{Port} lost: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string host, int port, string reason, Exception? exception);

    [LoggerMessage(6, LogLevel.Information, "Disconnected from {Host}:{Port} with {ReasonCode}")]
    public static partial void Disconnected(ILogger logger, string host, int port, MqttReasonCode reasonCode);

    [LoggerMessage(7, LogLevel.Warning, "Nothing received from the broker for {ElapsedSeconds:F1}s (keep-alive {KeepAliveSeconds}s): connection considered dead")]
    public static partial void KeepAliveTimeout(ILogger logger, double elapsedSeconds, int keepAliveSeconds);

    [LoggerMessage(8, LogLevel.Error, "The broker broke the protocol: {Message}")]
    public static partial void ProtocolViolation(ILogger logger, string message);

    [LoggerMessage(9, LogLevel.Information, "Resuming session: retransmitting {Count} unacknowledged packets")]
    public static partial void Retransmitting(ILogger logger, int count);

    [LoggerMessage(10, LogLevel.Error, "A message handler for topic '{Topic}' threw; the message is acknowledged anyway")]
    public static partial void HandlerFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(11, LogLevel.Warning, "The broker sent DISCONNECT: {ReasonCode} {ReasonString}")]
    public static partial void ServerDisconnect(ILogger logger, MqttReasonCode reasonCode, string? reasonString);

    [LoggerMessage(12, LogLevel.Warning, "Incoming message on '{Topic}' dropped: the incoming channel is full (IncomingMessageFullMode {Mode})")]
    public static partial void MessageDropped(ILogger logger, string topic, string mode);

    [LoggerMessage(13, LogLevel.Warning, "TLS handshake with {Host} failed: {Kind}: {Message}")]
    public static partial void TlsFailed(ILogger logger, string host, MqttTlsFailureKind kind, string message);

    [LoggerMessage(14, LogLevel.Warning, "ConnectionLost handler threw")]
    public static partial void ConnectionLostHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(18, LogLevel.Debug, "Closing the ended connection failed; it is gone either way")]
    public static partial void CloseFailed(ILogger logger, Exception exception);

    [LoggerMessage(16, LogLevel.Debug, "sending {Packet}")]
    public static partial void PacketSent(ILogger logger, string packet);

    [LoggerMessage(17, LogLevel.Debug, "received {Packet}")]
    public static partial void PacketReceived(ILogger logger, string packet);

    [LoggerMessage(15, LogLevel.Debug, "The broker overrides keep-alive with {ServerKeepAliveSeconds}s")]
    public static partial void ServerKeepAlive(ILogger logger, int serverKeepAliveSeconds);
}
