namespace SecureMqtt;

/// <summary>
/// Opening the WebSocket to a ws or wss endpoint failed after the TCP connection (and, for wss, the TLS handshake)
/// succeeded: the HTTP upgrade was refused or broke RFC 6455. A TLS failure under wss is still a
/// <see cref="MqttTlsException"/>, and a proxy failure a <see cref="MqttProxyException"/>. <see cref="Kind"/> says why.
/// </summary>
public sealed class MqttWebSocketException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">The class of failure.</param>
    /// <param name="message">The cause and the fix in plain language.</param>
    /// <param name="statusCode">The HTTP status the server answered with, when it answered with one.</param>
    /// <param name="inner">The I/O exception, if any.</param>
    public MqttWebSocketException(MqttWebSocketFailureKind kind, string message, int? statusCode = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        StatusCode = statusCode;
    }

    /// <summary>The class of failure.</summary>
    public MqttWebSocketFailureKind Kind { get; }

    /// <summary>The HTTP status code of the server's answer to the upgrade request (e.g. 404), if it sent one.</summary>
    public int? StatusCode { get; }

    /// <summary>A closed connection, or a server or gateway that is overloaded or down (5xx, 429), may work later; a wrong path or a broken handshake will not.</summary>
    public override bool IsTransient => Kind == MqttWebSocketFailureKind.ConnectionClosed
        || (Kind == MqttWebSocketFailureKind.UpgradeRefused && StatusCode is >= 500 or 429);
}
