using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SecureMqtt.Transport.WebSockets;

/// <summary>
/// The client's half of the RFC 6455 opening handshake (section 4.1): one HTTP/1.1 GET with Upgrade: websocket and
/// the subprotocol <c>mqtt</c>, then the server's answer checked field by field. Each way it can fail is a
/// <see cref="MqttWebSocketException"/> that quotes the server's status line, so a wrong path reads as "404 Not Found".
/// </summary>
internal static class WebSocketHandshake
{
    /// <summary>The GUID RFC 6455 section 1.3 appends to the key before hashing it into Sec-WebSocket-Accept.</summary>
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>A generous bound on the answer's header block: a server that sends more is not answering an upgrade.</summary>
    private const int MaximumHeaderBytes = 16 * 1024;

    /// <summary>The fields the handshake is made of; a caller's header may not replace them (Host may be).</summary>
    internal static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions",
        "Sec-WebSocket-Accept", "Content-Length", "Transfer-Encoding",
    };

    public static async ValueTask UpgradeAsync(Stream stream, string host, string path, IReadOnlyDictionary<string, string> extraHeaders, string server,
        CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = BuildRequest(host, path, key, extraHeaders);
        try
        {
            await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new MqttWebSocketException(MqttWebSocketFailureKind.ConnectionClosed,
                $"{server} closed the connection while the WebSocket upgrade request for '{path}' was being sent: {ex.Message}", inner: ex);
        }

        var head = await ReadHeadAsync(stream, path, server, cancellationToken).ConfigureAwait(false);
        Check(head, key, path, server);
    }

    internal static byte[] BuildRequest(string host, string path, string key, IReadOnlyDictionary<string, string> extraHeaders)
    {
        var hostValue = extraHeaders.FirstOrDefault(h => string.Equals(h.Key, "Host", StringComparison.OrdinalIgnoreCase)).Value ?? host;
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"GET {path} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: {hostValue}\r\n")
            .Append("Upgrade: websocket\r\n")
            .Append("Connection: Upgrade\r\n")
            .Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Key: {key}\r\n")
            .Append("Sec-WebSocket-Version: 13\r\n")
            .Append(CultureInfo.InvariantCulture, $"Sec-WebSocket-Protocol: {WebSocketTransport.SubProtocol}\r\n");
        foreach (var (name, value) in extraHeaders)
        {
            if (!string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
            }
        }

        return Encoding.UTF8.GetBytes(text.Append("\r\n").ToString());
    }

    /// <summary>
    /// Reads the answer's status line and header fields, and not one byte more: what follows belongs to the WebSocket.
    /// Byte by byte, because the head is a few hundred bytes once per connection and no read-ahead can then leak
    /// WebSocket frames past the handshake.
    /// </summary>
    private static async ValueTask<string> ReadHeadAsync(Stream stream, string path, string server, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaximumHeaderBytes];
        var length = 0;
        while (length < 4 || !buffer.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
        {
            if (length == buffer.Length)
            {
                throw new MqttWebSocketException(MqttWebSocketFailureKind.ProtocolError,
                    $"{server} answered the WebSocket upgrade with more than {MaximumHeaderBytes / 1024} KiB of header fields; that is not a WebSocket handshake.");
            }

            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(length, 1), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw Closed(server, path, length, ex);
            }

            if (read == 0)
            {
                throw Closed(server, path, length, null);
            }

            // The first bytes tell an HTTP server from an MQTT or TLS port at once, before waiting for a head that never ends.
            if (length < 5 && buffer[length] != (byte)"HTTP/"[length])
            {
                throw new MqttWebSocketException(MqttWebSocketFailureKind.ProtocolError,
                    $"{server} did not answer the WebSocket upgrade with HTTP (first byte 0x{buffer[0]:x2}): the port is not a WebSocket listener. " +
                    "Check the port, and the scheme: ws:// and wss:// are for WebSocket ports, mqtt:// and mqtts:// for plain MQTT ones.");
            }

            length++;
        }

        return Encoding.Latin1.GetString(buffer, 0, length - 4);
    }

    private static MqttWebSocketException Closed(string server, string path, int received, Exception? inner) =>
        new(MqttWebSocketFailureKind.ConnectionClosed,
            received == 0
                ? $"{server} closed the connection without answering the WebSocket upgrade request for '{path}'. Check that the port is a WebSocket listener " +
                  "(a plain MQTT port closes on an HTTP request) and, for wss, that it speaks TLS."
                : $"{server} closed the connection in the middle of its answer to the WebSocket upgrade request for '{path}'.",
            inner: inner);

    private static void Check(string head, string key, string path, string server)
    {
        var lines = head.Split("\r\n");
        var statusLine = Printable(lines[0]);
        var parts = lines[0].Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status) || parts[1].Length != 3)
        {
            throw new MqttWebSocketException(MqttWebSocketFailureKind.ProtocolError,
                $"{server} answered the WebSocket upgrade with the malformed status line '{statusLine}'.");
        }

        if (status != 101)
        {
            var hint = status switch
            {
                404 => $" The path '{path}' does not exist there: check the WebSocket path (brokers commonly serve MQTT on /mqtt or /ws).",
                401 or 403 or 407 => " The server wants credentials or refused them: set them in WebSocket RequestHeaders (e.g. Authorization), or check the proxy.",
                400 or 426 => " The port serves HTTP but did not accept a WebSocket upgrade on this path.",
                >= 300 and < 400 => " Redirects are not followed: use the URL the server points to.",
                _ => string.Empty,
            };
            throw new MqttWebSocketException(MqttWebSocketFailureKind.UpgradeRefused,
                $"{server} refused the WebSocket upgrade for '{path}' with '{statusLine}'.{hint}", status);
        }

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new MqttWebSocketException(MqttWebSocketFailureKind.ProtocolError,
                    $"{server} answered the WebSocket upgrade with a malformed header line '{Printable(line)}'.");
            }

            // Repeated fields combine into one comma-separated list (RFC 9110 section 5.3).
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            fields[name] = fields.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        // RFC 6455 section 4.1, the client's checks of the server's answer, in its order.
        Require(fields.TryGetValue("Upgrade", out var upgrade) && string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase),
            server, $"its Upgrade field is '{Printable(upgrade)}', not 'websocket'");
        Require(fields.TryGetValue("Connection", out var connection) && HasToken(connection, "Upgrade"),
            server, $"its Connection field is '{Printable(connection)}', without 'Upgrade'");
        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        Require(fields.TryGetValue("Sec-WebSocket-Accept", out var accept) && string.Equals(accept, expected, StringComparison.Ordinal),
            server, accept is null ? "it has no Sec-WebSocket-Accept field" : "its Sec-WebSocket-Accept does not match the key sent (a cache or proxy may have answered)");
        Require(!fields.TryGetValue("Sec-WebSocket-Extensions", out var extensions) || extensions.Length == 0,
            server, $"it turned on the extension '{Printable(extensions)}', which the client did not offer");
        fields.TryGetValue("Sec-WebSocket-Protocol", out var subProtocol);
        if (!string.Equals(subProtocol, WebSocketTransport.SubProtocol, StringComparison.Ordinal))
        {
            throw new MqttWebSocketException(MqttWebSocketFailureKind.SubprotocolNotSelected,
                subProtocol is null
                    ? $"{server} accepted the WebSocket on '{path}' but did not select the subprotocol 'mqtt' [MQTT-6.0.0-4]: it may be a WebSocket endpoint for something other than MQTT."
                    : $"{server} accepted the WebSocket on '{path}' with the subprotocol '{Printable(subProtocol)}', not 'mqtt' [MQTT-6.0.0-4].",
                101);
        }
    }

    private static void Require(bool condition, string server, string problem)
    {
        if (!condition)
        {
            throw new MqttWebSocketException(MqttWebSocketFailureKind.ProtocolError,
                $"{server} answered the WebSocket upgrade with 101 but {problem} (RFC 6455 section 4.1).", 101);
        }
    }

    private static bool HasToken(string list, string token) =>
        list.Split(',').Any(item => string.Equals(item.Trim(), token, StringComparison.OrdinalIgnoreCase));

    // The server's words go into an exception message: keep them printable and short.
    private static string Printable(string? text)
    {
        if (text is null)
        {
            return "(none)";
        }

        var clean = new string([.. text.Take(200).Select(c => c is >= ' ' and < '\x7f' ? c : '?')]);
        return text.Length > 200 ? clean + "..." : clean;
    }
}
