using System.Globalization;

namespace SecureMqtt;

/// <summary>
/// One way to reach a broker, chosen per connection attempt: scheme, host, port and the TLS server name. Written
/// as a URI: <c>mqtt://host:1883</c> (plain TCP), <c>mqtts://host:8883</c> (TLS with <see cref="MqttClientOptions.Tls"/>),
/// <c>ws://host:80/mqtt</c> (MQTT over WebSocket) or <c>wss://host:443/mqtt</c> (WebSocket over the same TLS layer as mqtts).
/// </summary>
public sealed record MqttEndpoint
{
    /// <summary>Creates an endpoint.</summary>
    /// <param name="host">The host name or IP address.</param>
    /// <param name="port">The port; null means the scheme's default (1883 for mqtt, 8883 for mqtts, 80 for ws, 443 for wss).</param>
    /// <param name="useTls">Whether the connection is TLS (mqtts, or wss with <paramref name="webSocketPath"/>).</param>
    /// <param name="tlsServerName">The name the server certificate must carry (SNI and verification); null: <paramref name="host"/>.</param>
    /// <param name="webSocketPath">
    /// The HTTP request path of a WebSocket endpoint (ws or wss), e.g. <c>/mqtt</c>; null: MQTT straight over TCP.
    /// It starts with '/' and may carry a query.
    /// </param>
    public MqttEndpoint(string host, int? port = null, bool useTls = false, string? tlsServerName = null, string? webSocketPath = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (port is <= 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A port is between 1 and 65535.");
        }

        if (webSocketPath is not null && !IsRequestPath(webSocketPath))
        {
            throw new ArgumentException(
                $"'{webSocketPath}' is not a WebSocket path: it must start with '/' and contain no spaces or control characters.", nameof(webSocketPath));
        }

        Host = host;
        WebSocketPath = webSocketPath;
        Port = port ?? (webSocketPath is null ? (useTls ? 8883 : 1883) : (useTls ? 443 : 80));
        UseTls = useTls;
        TlsServerName = tlsServerName;
    }

    /// <summary>The WebSocket path <see cref="Parse"/> gives a ws or wss URI without one (the path most brokers serve MQTT on).</summary>
    public const string DefaultWebSocketPath = "/mqtt";

    /// <summary>The host name or IP address.</summary>
    public string Host { get; }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>Whether this endpoint is reached over TLS (scheme mqtts or wss).</summary>
    public bool UseTls { get; }

    /// <summary>
    /// The HTTP request path of a WebSocket endpoint (scheme ws or wss), or null for MQTT straight over TCP. The
    /// WebSocket runs over the same TCP, proxy and TLS layers as mqtt and mqtts, so every TLS option applies to wss.
    /// </summary>
    public string? WebSocketPath { get; }

    /// <summary>Whether this endpoint speaks MQTT inside a WebSocket (scheme ws or wss).</summary>
    public bool UseWebSocket => WebSocketPath is not null;

    /// <summary>The server name for SNI and certificate verification, when it differs from <see cref="Host"/>.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>
    /// The proxy to reach this endpoint through, in place of <see cref="MqttClientOptions.Proxy"/>; null: the
    /// client's proxy (or a direct connection when that is null too).
    /// </summary>
    public MqttProxyOptions? Proxy { get; init; }

    /// <summary>The URI scheme: mqtt, mqtts, ws or wss.</summary>
    public string Scheme => (UseWebSocket, UseTls) switch
    {
        (false, false) => "mqtt",
        (false, true) => "mqtts",
        (true, false) => "ws",
        (true, true) => "wss",
    };

    /// <summary>
    /// Reads <c>mqtt://host[:port]</c>, <c>mqtts://host[:port]</c>, <c>tcp://</c>, <c>ssl://</c> or <c>tls://</c>
    /// (the spellings other clients use), <c>ws://host[:port][/path]</c> or <c>wss://host[:port][/path]</c>
    /// (MQTT over WebSocket; the path is the WebSocket path, <see cref="DefaultWebSocketPath"/> when absent), or a
    /// bare <c>host[:port]</c> (plain TCP).
    /// </summary>
    /// <param name="uri">The endpoint as written.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentException">The text is not an endpoint; the message says why.</exception>
    public static MqttEndpoint Parse(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        var text = uri.Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var useTls = false;
        var webSocket = false;
        if (schemeEnd >= 0)
        {
            (useTls, webSocket) = text[..schemeEnd].ToUpperInvariant() switch
            {
                "MQTT" or "TCP" => (false, false),
                "MQTTS" or "SSL" or "TLS" => (true, false),
                "WS" => (false, true),
                "WSS" => (true, true),
                var other => throw new ArgumentException(
                    $"'{uri}' has the scheme '{other.ToLowerInvariant()}'; use mqtt:// (plain TCP), mqtts:// (TLS), ws:// (WebSocket) or wss:// (WebSocket over TLS).",
                    nameof(uri)),
            };
            text = text[(schemeEnd + 3)..];
        }

        // For mqtt a path (mosquitto's -L form carries the topic there) is not part of the endpoint; for ws it is the
        // WebSocket path, as in every other client's ws:// URL.
        string? webSocketPath = webSocket ? DefaultWebSocketPath : null;
        var slash = text.IndexOfAny(['/', '?']);
        if (slash >= 0)
        {
            if (webSocket && text[slash..] is var path && path != "/")
            {
                webSocketPath = path.StartsWith('?') ? "/" + path : path;
                if (!IsRequestPath(webSocketPath))
                {
                    throw new ArgumentException($"'{uri}' has the WebSocket path '{webSocketPath}', which contains spaces or control characters.", nameof(uri));
                }
            }

            text = text[..slash];
        }

        string host;
        string? portText = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ArgumentException($"'{uri}' opens an IPv6 address with '[' but does not close it.", nameof(uri));
            }

            host = text[1..close];
            if (close + 1 < text.Length)
            {
                portText = text[(close + 1)..].StartsWith(':') ? text[(close + 2)..] : throw new ArgumentException($"'{uri}': expected ':port' after the IPv6 address.", nameof(uri));
            }
        }
        else
        {
            var colon = text.LastIndexOf(':');
            host = colon >= 0 ? text[..colon] : text;
            portText = colon >= 0 ? text[(colon + 1)..] : null;
        }

        if (host.Length == 0)
        {
            throw new ArgumentException($"'{uri}' names no host.", nameof(uri));
        }

        int? port = null;
        if (portText is not null)
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is <= 0 or > 65535)
            {
                throw new ArgumentException($"'{uri}' has the port '{portText}'; a port is a number between 1 and 65535.", nameof(uri));
            }

            port = p;
        }

        return new MqttEndpoint(host, port, useTls, webSocketPath: webSocketPath);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Scheme}://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}{WebSocketPath}";

    // An HTTP origin-form request target (RFC 9112 section 3.2.1) as far as it matters here: it goes verbatim into
    // the request line, so a space or line break would let the path rewrite the request.
    private static bool IsRequestPath(string path) =>
        path.StartsWith('/') && !path.Any(c => c <= ' ' || c == '\x7f');
}
