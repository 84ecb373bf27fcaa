namespace SecureMqtt;

/// <summary>What went wrong while opening the WebSocket to a ws or wss endpoint; each kind has a different fix.</summary>
public enum MqttWebSocketFailureKind
{
    /// <summary>
    /// The server answered the upgrade request with an HTTP status other than 101 Switching Protocols: a wrong path
    /// (404), missing or rejected credentials (401, 403), or a port that serves HTTP but no WebSocket (400, 426).
    /// </summary>
    UpgradeRefused,

    /// <summary>The server switched to WebSocket but did not select the subprotocol <c>mqtt</c> [MQTT-6.0.0-4].</summary>
    SubprotocolNotSelected,

    /// <summary>
    /// The answer was not a valid RFC 6455 handshake: not HTTP at all (e.g. a plain MQTT or TLS port), a wrong
    /// Sec-WebSocket-Accept, missing Upgrade or Connection fields, an extension that was not offered, or a header
    /// block too large.
    /// </summary>
    ProtocolError,

    /// <summary>The server closed the connection before it answered the upgrade request.</summary>
    ConnectionClosed,
}
