namespace SecureMqtt;

/// <summary>
/// Settings for ws and wss endpoints (see <see cref="MqttEndpoint.WebSocketPath"/>): what the HTTP upgrade request
/// carries besides what RFC 6455 and MQTT require. The subprotocol is always <c>mqtt</c> and frames are always
/// binary [MQTT-6.0.0-1] [MQTT-6.0.0-3]; TLS for wss comes from <see cref="MqttClientOptions.Tls"/>, as for mqtts.
/// </summary>
public sealed record MqttWebSocketOptions
{
    /// <summary>
    /// Extra header fields for the upgrade request, e.g. <c>Authorization</c> or <c>Origin</c> for a broker or
    /// gateway that asks for them. A <c>Host</c> entry replaces the default (the endpoint's host and port). The fields
    /// the WebSocket handshake itself is made of (<c>Upgrade</c>, <c>Connection</c>, <c>Sec-WebSocket-*</c>) cannot be
    /// set here. Values are sent as they are and never logged.
    /// </summary>
    public IReadOnlyDictionary<string, string> RequestHeaders { get; init; } = new Dictionary<string, string>();
}
