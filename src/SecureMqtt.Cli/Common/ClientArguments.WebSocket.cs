namespace SecureMqtt.Cli.Common;

/// <summary>
/// MQTT over WebSocket: chosen by a <c>ws://</c> or <c>wss://</c> URL in -L, whose path is the topic as in
/// mosquitto's -L form; the WebSocket path is --ws-path (default /mqtt), and --ws-header adds upgrade request headers.
/// </summary>
internal sealed partial class ClientArguments
{
    private string? _webSocketPath;

    /// <summary>True after a ws:// or wss:// -L URL.</summary>
    public bool UseWebSocket { get; private set; }

    /// <summary>The HTTP path of the WebSocket upgrade.</summary>
    public string WebSocketPath => _webSocketPath ?? MqttEndpoint.DefaultWebSocketPath;

    /// <summary>--ws-header NAME:VALUE, in order; a repeated name keeps the last value.</summary>
    public Dictionary<string, string> WebSocketHeaders { get; } = new(StringComparer.OrdinalIgnoreCase);

    private bool TryParseWebSocket(string option, ArgumentCursor cursor)
    {
        switch (option)
        {
            case "--ws-path":
                var path = cursor.Value(option, "WebSocket path");
                _webSocketPath = path.StartsWith('/') ? path : throw new UsageException($"--ws-path '{path}': a WebSocket path starts with '/', e.g. /mqtt.");
                return true;
            case "--ws-header":
                var header = cursor.Value(option, "header");
                var colon = header.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    throw new UsageException($"--ws-header '{header}': expected 'Name: value', e.g. --ws-header 'Authorization: Bearer TOKEN'.");
                }

                WebSocketHeaders[header[..colon].Trim()] = header[(colon + 1)..].Trim();
                return true;
            default:
                return false;
        }
    }

    private void ValidateWebSocket()
    {
        if (!UseWebSocket && (_webSocketPath is not null || WebSocketHeaders.Count > 0))
        {
            throw new UsageException("--ws-path and --ws-header apply to MQTT over WebSocket only: give the broker as -L ws://host[:port]/topic or -L wss://....");
        }

        if (UseWebSocket && UseSrv)
        {
            throw new UsageException("-S looks up MQTT over TCP servers (_mqtt._tcp); it cannot be combined with a ws:// or wss:// URL.");
        }
    }
}
