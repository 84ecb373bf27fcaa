using System.Globalization;

namespace SecureMqtt;

/// <summary>
/// One way to reach a broker, chosen per connection attempt: scheme, host, port and the TLS server name. Written
/// as a URI: <c>mqtt://host:1883</c> (plain TCP) or <c>mqtts://host:8883</c> (TLS with <see cref="MqttClientOptions.Tls"/>).
/// </summary>
public sealed record MqttEndpoint
{
    /// <summary>Creates an endpoint.</summary>
    /// <param name="host">The host name or IP address.</param>
    /// <param name="port">The port; null means the scheme's default (1883 for mqtt, 8883 for mqtts).</param>
    /// <param name="useTls">Whether the connection is TLS (mqtts).</param>
    /// <param name="tlsServerName">The name the server certificate must carry (SNI and verification); null: <paramref name="host"/>.</param>
    public MqttEndpoint(string host, int? port = null, bool useTls = false, string? tlsServerName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (port is <= 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A port is between 1 and 65535.");
        }

        Host = host;
        Port = port ?? (useTls ? 8883 : 1883);
        UseTls = useTls;
        TlsServerName = tlsServerName;
    }

    /// <summary>The host name or IP address.</summary>
    public string Host { get; }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>Whether this endpoint is reached over TLS (scheme mqtts).</summary>
    public bool UseTls { get; }

    /// <summary>The server name for SNI and certificate verification, when it differs from <see cref="Host"/>.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>
    /// The proxy to reach this endpoint through, in place of <see cref="MqttClientOptions.Proxy"/>; null: the
    /// client's proxy (or a direct connection when that is null too).
    /// </summary>
    public MqttProxyOptions? Proxy { get; init; }

    /// <summary>The URI scheme: mqtts or mqtt.</summary>
    public string Scheme => UseTls ? "mqtts" : "mqtt";

    /// <summary>
    /// Reads <c>mqtt://host[:port]</c>, <c>mqtts://host[:port]</c>, <c>tcp://</c>, <c>ssl://</c> or <c>tls://</c>
    /// (the spellings other clients use), or a bare <c>host[:port]</c> (plain TCP).
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
        if (schemeEnd >= 0)
        {
            useTls = text[..schemeEnd].ToUpperInvariant() switch
            {
                "MQTT" or "TCP" => false,
                "MQTTS" or "SSL" or "TLS" => true,
                var other => throw new ArgumentException(
                    $"'{uri}' has the scheme '{other.ToLowerInvariant()}'; use mqtt:// (plain TCP) or mqtts:// (TLS).", nameof(uri)),
            };
            text = text[(schemeEnd + 3)..];
        }

        // A path (mosquitto's -L form carries the topic there) is not part of the endpoint.
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
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

        return new MqttEndpoint(host, port, useTls);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Scheme}://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
