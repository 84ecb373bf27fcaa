using System.Globalization;

namespace SecureMqtt;

/// <summary>
/// A proxy to tunnel the broker connection through: HTTP CONNECT or SOCKS5, with optional credentials. The tunnel
/// carries TLS end to end, so the proxy sees only the broker's host and port, never the MQTT traffic.
/// Build it with <see cref="Parse"/> from a URL as mosquitto_pub's <c>--proxy</c> spells it
/// (<c>socks5h://user:pass@proxy:1080</c>, <c>http://proxy:3128</c>) or set the properties.
/// </summary>
public sealed record MqttProxyOptions
{
    /// <summary>The port a SOCKS5 URL without a port means (RFC 1928).</summary>
    public const int DefaultSocks5Port = 1080;

    /// <summary>The port an HTTP URL without a port means.</summary>
    public const int DefaultHttpPort = 80;

    /// <summary>The protocol spoken to the proxy.</summary>
    public MqttProxyKind Kind { get; init; }

    /// <summary>The proxy's host name or IP address.</summary>
    public required string Host { get; init; }

    /// <summary>The proxy's TCP port (1-65535).</summary>
    public required int Port { get; init; }

    /// <summary>
    /// Credentials for the proxy (not the broker): Basic authentication for HTTP, RFC 1929 user name and password for
    /// SOCKS5. Null: none offered.
    /// </summary>
    public MqttCredentials? Credentials { get; init; }

    /// <summary>How long connecting to the proxy and opening the tunnel may take, before <see cref="MqttProxyFailureKind.Timeout"/>. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Reads a proxy URL: <c>http://[user[:password]@]host[:port]</c>, <c>socks5://...</c> or <c>socks5h://...</c>
    /// (both SOCKS5 spellings let the proxy resolve the broker's name). User name and password are percent-decoded.
    /// </summary>
    /// <param name="url">The URL.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">The URL is malformed, has another scheme, a path or query, or a bad port.</exception>
    public static MqttProxyOptions Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"'{Redact(url)}' is not a proxy URL; expected e.g. socks5://proxy.example:1080 or http://user:password@proxy.example:3128.", nameof(url));
        }

        return FromUri(uri);
    }

    /// <summary>Reads a proxy URL already parsed; see <see cref="Parse"/> for the accepted forms.</summary>
    /// <param name="uri">The URL.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">The URL has another scheme, a path or query, no host, or a bad port.</exception>
    public static MqttProxyOptions FromUri(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var shown = Redact(uri.OriginalString);
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException($"'{shown}' is not an absolute proxy URL.", nameof(uri));
        }

        var kind = uri.Scheme.ToUpperInvariant() switch
        {
            "HTTP" => MqttProxyKind.Http,
            "SOCKS5" or "SOCKS5H" => MqttProxyKind.Socks5,
            "HTTPS" => throw new ArgumentException($"'{shown}': TLS to the proxy itself (https://) is not supported; use http:// (the MQTT connection inside the tunnel is still TLS).", nameof(uri)),
            "SOCKS4" or "SOCKS4A" => throw new ArgumentException($"'{shown}': SOCKS4 is not supported; use socks5://.", nameof(uri)),
            _ => throw new ArgumentException($"'{shown}': unknown proxy scheme '{uri.Scheme}'; use http:// or socks5://.", nameof(uri)),
        };
        if (string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException($"'{shown}' names no proxy host.", nameof(uri));
        }

        if (uri.AbsolutePath is not ("/" or "") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new ArgumentException($"'{shown}': a proxy URL has no path, query or fragment.", nameof(uri));
        }

        // System.Uri knows http's default port only; SOCKS5 gets its registered one.
        var port = uri.IsDefaultPort || uri.Port < 0
            ? (kind == MqttProxyKind.Http ? DefaultHttpPort : DefaultSocks5Port)
            : uri.Port;
        if (port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{shown}': proxy port {port.ToString(CultureInfo.InvariantCulture)} is outside 1-65535.", nameof(uri));
        }

        MqttCredentials? credentials = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            var password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            if (user.Length == 0)
            {
                throw new ArgumentException($"'{shown}': the proxy user name is empty.", nameof(uri));
            }

            credentials = new MqttCredentials(user, password);
        }

        // Uri.Host keeps the brackets of an IPv6 literal; sockets want the bare address.
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        var options = new MqttProxyOptions { Kind = kind, Host = host, Port = port, Credentials = credentials };
        options.Validate();
        return options;
    }

    /// <summary>The proxy as a URL without the password (safe to log).</summary>
    /// <returns>e.g. <c>socks5://user:***@127.0.0.1:1080</c>.</returns>
    public override string ToString()
    {
        var scheme = Kind == MqttProxyKind.Http ? "http" : "socks5";
        var user = Credentials is null ? string.Empty : Uri.EscapeDataString(Credentials.UserName) + (Credentials.Password is null ? "@" : ":***@");
        var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        return string.Create(CultureInfo.InvariantCulture, $"{scheme}://{user}{host}:{Port}");
    }

    /// <summary>Throws when the settings cannot work, before any connection is tried.</summary>
    /// <exception cref="ArgumentException">Which setting is wrong and why.</exception>
    internal void Validate()
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentException($"Unknown proxy kind {Kind}.", nameof(Kind));
        }

        if (string.IsNullOrWhiteSpace(Host) || Host.AsSpan().IndexOfAny("\r\n\0 /@") >= 0)
        {
            throw new ArgumentException($"'{Host}' is not a proxy host name or address.", nameof(Host));
        }

        if (Port is < 1 or > 65535)
        {
            throw new ArgumentException($"Proxy port {Port.ToString(CultureInfo.InvariantCulture)} is outside 1-65535.", nameof(Port));
        }

        if (HandshakeTimeout <= TimeSpan.Zero && HandshakeTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("The proxy handshake timeout must be positive (or infinite).", nameof(HandshakeTimeout));
        }

        if (Credentials is { } credentials)
        {
            if (Kind == MqttProxyKind.Http && credentials.UserName.Contains(':', StringComparison.Ordinal))
            {
                // RFC 7617 section 2: the Basic user-id cannot contain a colon, the separator before the password.
                throw new ArgumentException("An HTTP proxy user name cannot contain ':' (Basic authentication).", nameof(Credentials));
            }

            if (Kind == MqttProxyKind.Socks5)
            {
                // RFC 1929: ULEN and PLEN are one byte each, and ULEN is at least 1.
                var userBytes = System.Text.Encoding.UTF8.GetByteCount(credentials.UserName);
                var passwordBytes = System.Text.Encoding.UTF8.GetByteCount(credentials.Password ?? string.Empty);
                if (userBytes is < 1 or > 255 || passwordBytes > 255)
                {
                    throw new ArgumentException("A SOCKS5 user name must be 1-255 bytes and its password at most 255 bytes (RFC 1929).", nameof(Credentials));
                }
            }
        }
    }

    // The URL may carry the password in its user info: never echo it in an exception message.
    private static string Redact(string url)
    {
        var at = url.LastIndexOf('@');
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0 || at < scheme)
        {
            return url;
        }

        var userInfo = url[(scheme + 3)..at];
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? url : string.Concat(url.AsSpan(0, scheme + 3), userInfo.AsSpan(0, colon), ":***", url.AsSpan(at));
    }
}
