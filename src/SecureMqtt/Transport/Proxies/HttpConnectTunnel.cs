using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SecureMqtt.Transport.Proxies;

/// <summary>
/// Opens a tunnel through an HTTP proxy with CONNECT (RFC 9110 section 9.3.6) on a stream already connected to the
/// proxy. Afterwards the stream carries the bytes of the target connection (TLS, then MQTT) unchanged.
/// </summary>
internal static class HttpConnectTunnel
{
    /// <summary>
    /// The largest response header block accepted. Real proxies answer CONNECT in a few hundred bytes; the bound keeps a
    /// hostile or confused peer (an MQTT or TLS port, an endless stream) from making the client buffer without limit.
    /// </summary>
    public const int MaxResponseHeaderBytes = 8 * 1024;

    /// <summary>Sends CONNECT and reads the answer; returns when the tunnel is open.</summary>
    /// <param name="stream">A stream connected to the proxy; positioned at the start of the tunnel on return.</param>
    /// <param name="targetHost">The broker's host name or address, as the proxy should resolve it.</param>
    /// <param name="targetPort">The broker's port.</param>
    /// <param name="credentials">Basic credentials for the proxy, or null.</param>
    /// <param name="cancellationToken">Cancels the exchange (the caller's handshake timeout).</param>
    /// <exception cref="MqttProxyException">The proxy refused, wanted other credentials, or answered something that is not HTTP.</exception>
    public static async ValueTask EstablishAsync(Stream stream, string targetHost, int targetPort, MqttCredentials? credentials, CancellationToken cancellationToken)
    {
        var request = BuildRequest(targetHost, targetPort, credentials);
        try
        {
            await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new MqttProxyException(MqttProxyFailureKind.Refused, $"The HTTP proxy closed the connection before the CONNECT request was sent: {ex.Message}", inner: ex);
        }
        finally
        {
            // The request holds the Base64 password.
            CryptographicOperations.ZeroMemory(request);
        }

        var header = await ReadHeaderBlockAsync(stream, cancellationToken).ConfigureAwait(false);
        var (status, reason) = ParseStatusLine(header);
        if (status is >= 200 and <= 299)
        {
            return;
        }

        var target = Authority(targetHost, targetPort);
        var said = reason.Length == 0 ? string.Empty : $" (\"{reason}\")";
        var (kind, why) = status switch
        {
            // 407 is the proxy's own code; tinyproxy answers a wrong Basic password with 401, so both mean the same here.
            401 or 407 when credentials is null => (MqttProxyFailureKind.AuthenticationFailed, "the proxy requires authentication; give a user name and password in the proxy URL (http://user:password@host:port)"),
            401 or 407 => (MqttProxyFailureKind.AuthenticationFailed, "the proxy rejected the user name or password"),
            403 => (MqttProxyFailureKind.Refused, $"the proxy's rules forbid a tunnel to {target} (many proxies allow CONNECT only to port 443)"),
            405 or 501 => (MqttProxyFailureKind.Refused, "the proxy does not support CONNECT tunnels"),
            502 or 503 => (MqttProxyFailureKind.Refused, $"the proxy could not reach {target} (the broker is down, its name unknown, or it refused the proxy)"),
            504 => (MqttProxyFailureKind.Timeout, $"the proxy timed out connecting to {target}"),
            < 200 => (MqttProxyFailureKind.ProtocolError, "the proxy sent an interim response instead of an answer to CONNECT"),
            _ => (MqttProxyFailureKind.Refused, $"the proxy would not open a tunnel to {target}"),
        };
        throw new MqttProxyException(kind, $"HTTP proxy answered CONNECT with {status.ToString(CultureInfo.InvariantCulture)}{said}: {why}.", status);
    }

    internal static byte[] BuildRequest(string targetHost, int targetPort, MqttCredentials? credentials)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetHost);
        if (targetHost.AsSpan().IndexOfAny("\r\n\0 /@") >= 0)
        {
            // Would let a crafted host name inject headers into the request.
            throw new ArgumentException($"'{targetHost}' is not a host name or address.", nameof(targetHost));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(targetPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetPort, 65535);
        var authority = Authority(targetHost, targetPort);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"CONNECT {authority} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: {authority}\r\n");
        if (credentials is not null)
        {
            // RFC 7617: Basic user-id ":" password, UTF-8 (the charset proxies assume in practice).
            var secret = Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}");
            try
            {
                text.Append("Proxy-Authorization: Basic ").Append(Convert.ToBase64String(secret)).Append("\r\n");
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }

        text.Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static string Authority(string host, int port)
    {
        var bracketed = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        return string.Create(CultureInfo.InvariantCulture, $"{bracketed}:{port}");
    }

    // One byte at a time: the proxy's header block ends where the tunnel's first byte may begin, and the bytes after
    // it belong to TLS. A few hundred one-byte reads, once per connection, cost nothing worth a look-ahead buffer.
    private static async ValueTask<byte[]> ReadHeaderBlockAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxResponseHeaderBytes];
        var length = 0;
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(length, 1), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new MqttProxyException(MqttProxyFailureKind.Refused, $"The HTTP proxy dropped the connection while answering CONNECT: {ex.Message}", inner: ex);
            }

            if (read == 0)
            {
                throw length == 0
                    ? new MqttProxyException(MqttProxyFailureKind.Refused, "The HTTP proxy closed the connection without answering CONNECT (it may not accept this client).")
                    : new MqttProxyException(MqttProxyFailureKind.ProtocolError, $"The HTTP proxy closed the connection in the middle of its answer, after {length.ToString(CultureInfo.InvariantCulture)} bytes.");
            }

            length++;
            if (EndsHeaderBlock(buffer.AsSpan(0, length)))
            {
                return buffer[..length];
            }

            if (length == buffer.Length)
            {
                throw new MqttProxyException(MqttProxyFailureKind.ProtocolError, $"The proxy's answer to CONNECT has no end of headers within {MaxResponseHeaderBytes / 1024} KiB: not an HTTP proxy, or a hostile one.");
            }
        }
    }

    // CRLF CRLF per RFC 9112; a bare LF LF is accepted too (RFC 9112 section 2.2 lets a recipient accept LF alone).
    private static bool EndsHeaderBlock(ReadOnlySpan<byte> data)
        => data.EndsWith("\r\n\r\n"u8) || data.EndsWith("\n\n"u8);

    private static (int Status, string Reason) ParseStatusLine(ReadOnlySpan<byte> header)
    {
        var end = header.IndexOf((byte)'\n');
        var line = header[..end].TrimEnd((byte)'\r');

        // status-line = HTTP-version SP status-code SP [ reason-phrase ]; HTTP-version = "HTTP/1." DIGIT
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != (byte)' '
            || !char.IsAsciiDigit((char)line[9]) || !char.IsAsciiDigit((char)line[10]) || !char.IsAsciiDigit((char)line[11])
            || (line.Length > 12 && line[12] != (byte)' '))
        {
            throw new MqttProxyException(MqttProxyFailureKind.ProtocolError, $"The proxy did not answer CONNECT with an HTTP/1.x status line (got \"{Printable(line[..Math.Min(line.Length, 40)])}\"): is it an HTTP proxy?");
        }

        var status = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        var reason = line.Length > 13 ? Printable(line[13..Math.Min(line.Length, 13 + 100)]) : string.Empty;
        return (status, reason);
    }

    // What the peer sent, fit for a message: printable ASCII only, so a hostile answer cannot forge log lines.
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = bytes[i] is >= 0x20 and < 0x7F ? (char)bytes[i] : '?';
        }

        return new string(chars);
    }
}
