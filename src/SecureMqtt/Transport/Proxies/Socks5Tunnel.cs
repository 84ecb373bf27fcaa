using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace SecureMqtt.Transport.Proxies;

/// <summary>
/// Opens a tunnel through a SOCKS5 proxy (RFC 1928) on a stream already connected to the proxy, with user name and
/// password authentication (RFC 1929) when credentials are given. A host name is sent as a name (ATYP 3), so the
/// proxy resolves it: the client may not be able to resolve the broker's name itself.
/// </summary>
internal static class Socks5Tunnel
{
    private const byte Version = 5;
    private const byte MethodNoAuthentication = 0x00;
    private const byte MethodUserPassword = 0x02;
    private const byte NoAcceptableMethods = 0xFF;
    private const byte UserPasswordVersion = 1;
    private const byte CommandConnect = 1;
    private const byte AddressIPv4 = 1;
    private const byte AddressDomainName = 3;
    private const byte AddressIPv6 = 4;

    /// <summary>Negotiates, authenticates and sends CONNECT; returns when the tunnel is open.</summary>
    /// <param name="stream">A stream connected to the proxy; positioned at the start of the tunnel on return.</param>
    /// <param name="targetHost">The broker's host name or address.</param>
    /// <param name="targetPort">The broker's port.</param>
    /// <param name="credentials">User name and password for the proxy, or null to offer no authentication only.</param>
    /// <param name="cancellationToken">Cancels the exchange (the caller's handshake timeout).</param>
    /// <exception cref="MqttProxyException">The proxy refused, rejected the credentials, or broke the protocol.</exception>
    public static async ValueTask EstablishAsync(Stream stream, string targetHost, int targetPort, MqttCredentials? credentials, CancellationToken cancellationToken)
    {
        var connect = BuildConnectRequest(targetHost, targetPort);

        // Greeting: VER NMETHODS METHODS. With credentials, no-authentication is offered too: a proxy that needs none may pick it.
        byte[] greeting = credentials is null
            ? [Version, 1, MethodNoAuthentication]
            : [Version, 2, MethodUserPassword, MethodNoAuthentication];
        await WriteAsync(stream, greeting, cancellationToken).ConfigureAwait(false);
        var choice = new byte[2];
        await ReadExactlyAsync(stream, choice, "method selection", first: true, cancellationToken).ConfigureAwait(false);
        if (choice[0] != Version)
        {
            throw new MqttProxyException(MqttProxyFailureKind.ProtocolError, $"The proxy answered the SOCKS5 greeting with version {choice[0].ToString(CultureInfo.InvariantCulture)}, not 5: is it a SOCKS5 proxy?");
        }

        switch (choice[1])
        {
            case MethodNoAuthentication:
                break;
            case MethodUserPassword when credentials is not null:
                await AuthenticateAsync(stream, credentials, cancellationToken).ConfigureAwait(false);
                break;
            case NoAcceptableMethods when credentials is null:
                throw new MqttProxyException(MqttProxyFailureKind.AuthenticationFailed, "The SOCKS5 proxy requires authentication; give a user name and password in the proxy URL (socks5://user:password@host:port).", NoAcceptableMethods);
            case NoAcceptableMethods:
                throw new MqttProxyException(MqttProxyFailureKind.AuthenticationFailed, "The SOCKS5 proxy accepts neither user name and password nor no authentication (it may want GSSAPI).", NoAcceptableMethods);
            default:
                throw new MqttProxyException(MqttProxyFailureKind.ProtocolError, $"The SOCKS5 proxy chose authentication method 0x{choice[1]:X2}, which was not offered.", choice[1]);
        }

        await WriteAsync(stream, connect, cancellationToken).ConfigureAwait(false);
        await ReadReplyAsync(stream, targetHost, targetPort, cancellationToken).ConfigureAwait(false);
    }

    internal static byte[] BuildConnectRequest(string targetHost, int targetPort)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetHost);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetPort, 65535);

        // VER CMD RSV ATYP DST.ADDR DST.PORT (network order)
        byte[] address;
        byte type;
        if (IPAddress.TryParse(targetHost.Trim('[', ']'), out var ip))
        {
            type = ip.AddressFamily == AddressFamily.InterNetworkV6 ? AddressIPv6 : AddressIPv4;
            address = ip.GetAddressBytes();
        }
        else
        {
            // Names travel as ASCII: an internationalized name becomes its punycode form, as DNS would see it.
            var name = Encoding.ASCII.GetBytes(new IdnMapping().GetAscii(targetHost));
            if (name.Length > 255)
            {
                throw new ArgumentException($"The host name is {name.Length} bytes; SOCKS5 carries at most 255.", nameof(targetHost));
            }

            type = AddressDomainName;
            address = [(byte)name.Length, .. name];
        }

        var request = new byte[4 + address.Length + 2];
        (request[0], request[1], request[2], request[3]) = (Version, CommandConnect, 0, type);
        address.CopyTo(request.AsSpan(4));
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4 + address.Length), (ushort)targetPort);
        return request;
    }

    // RFC 1929: VER(1) ULEN UNAME PLEN PASSWD, answered by VER STATUS (0 = success).
    private static async ValueTask AuthenticateAsync(Stream stream, MqttCredentials credentials, CancellationToken cancellationToken)
    {
        var user = Encoding.UTF8.GetBytes(credentials.UserName);
        var password = Encoding.UTF8.GetBytes(credentials.Password ?? string.Empty);
        var request = new byte[3 + user.Length + password.Length];
        try
        {
            request[0] = UserPasswordVersion;
            request[1] = checked((byte)user.Length);
            user.CopyTo(request, 2);
            request[2 + user.Length] = checked((byte)password.Length);
            password.CopyTo(request, 3 + user.Length);
            await WriteAsync(stream, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
            CryptographicOperations.ZeroMemory(request);
        }

        var status = new byte[2];
        await ReadExactlyAsync(stream, status, "authentication reply", first: false, cancellationToken).ConfigureAwait(false);

        // RFC 1929 says version 1; some servers echo the SOCKS version 5. Either carries a meaningful status.
        if (status[0] is not (UserPasswordVersion or Version))
        {
            throw new MqttProxyException(MqttProxyFailureKind.ProtocolError, $"The SOCKS5 proxy answered the user name and password with version {status[0].ToString(CultureInfo.InvariantCulture)} (RFC 1929 says 1).");
        }

        if (status[1] != 0)
        {
            throw new MqttProxyException(MqttProxyFailureKind.AuthenticationFailed, "The SOCKS5 proxy rejected the user name or password.", status[1]);
        }
    }

    // VER REP RSV ATYP BND.ADDR BND.PORT. The bound address is read to its end (so the tunnel starts at the right byte)
    // and otherwise ignored: for CONNECT it is the proxy's side of the connection to the target.
    private static async ValueTask ReadReplyAsync(Stream stream, string targetHost, int targetPort, CancellationToken cancellationToken)
    {
        var head = new byte[5];
        await ReadExactlyAsync(stream, head, "reply to CONNECT", first: false, cancellationToken).ConfigureAwait(false);
        if (head[0] != Version)
        {
            throw new MqttProxyException(MqttProxyFailureKind.ProtocolError, $"The SOCKS5 proxy's reply to CONNECT has version {head[0].ToString(CultureInfo.InvariantCulture)}, not 5.");
        }

        if (head[1] != 0)
        {
            var (kind, why) = DescribeReply(head[1]);
            throw new MqttProxyException(kind, $"The SOCKS5 proxy would not connect to {targetHost}:{targetPort.ToString(CultureInfo.InvariantCulture)}: {why} (reply {head[1].ToString(CultureInfo.InvariantCulture)}).", head[1]);
        }

        // head[4] is the first byte of BND.ADDR: the whole IPv4/IPv6 address is still to come, of a name only the rest.
        var remaining = head[3] switch
        {
            AddressIPv4 => 4 - 1 + 2,
            AddressIPv6 => 16 - 1 + 2,
            AddressDomainName => head[4] + 2,
            _ => throw new MqttProxyException(MqttProxyFailureKind.ProtocolError, $"The SOCKS5 proxy's reply has unknown address type {head[3].ToString(CultureInfo.InvariantCulture)}."),
        };
        await ReadExactlyAsync(stream, new byte[remaining], "reply to CONNECT", first: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>RFC 1928 section 6 reply codes, in words a user can act on, with the kind that says whether retrying may help.</summary>
    /// <param name="code">The REP field, not 0.</param>
    internal static (MqttProxyFailureKind Kind, string Reason) DescribeReply(byte code) => code switch
    {
        1 => (MqttProxyFailureKind.Refused, "general SOCKS server failure"),
        2 => (MqttProxyFailureKind.Refused, "the proxy's rules do not allow this connection"),
        3 => (MqttProxyFailureKind.Refused, "the proxy has no route to the broker's network"),
        4 => (MqttProxyFailureKind.Refused, "the proxy cannot reach the broker's host (unknown name or host down)"),
        5 => (MqttProxyFailureKind.Refused, "the broker refused the proxy's connection (nothing listens on that port)"),
        6 => (MqttProxyFailureKind.Timeout, "the proxy's connection to the broker timed out (TTL expired)"),
        7 => (MqttProxyFailureKind.ProtocolError, "the proxy does not support the CONNECT command"),
        8 => (MqttProxyFailureKind.ProtocolError, "the proxy does not support this address type"),
        _ => (MqttProxyFailureKind.Refused, "the proxy failed with an unassigned reply code"),
    };

    private static async ValueTask WriteAsync(Stream stream, byte[] data, CancellationToken cancellationToken)
    {
        try
        {
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new MqttProxyException(MqttProxyFailureKind.Refused, $"The SOCKS5 proxy closed the connection: {ex.Message}", inner: ex);
        }
    }

    private static async ValueTask ReadExactlyAsync(Stream stream, byte[] buffer, string what, bool first, CancellationToken cancellationToken)
    {
        var length = 0;
        while (length < buffer.Length)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new MqttProxyException(MqttProxyFailureKind.Refused, $"The SOCKS5 proxy dropped the connection while sending its {what}: {ex.Message}", inner: ex);
            }

            if (read == 0)
            {
                throw first && length == 0
                    ? new MqttProxyException(MqttProxyFailureKind.Refused, "The SOCKS5 proxy closed the connection without answering (it may not accept this client).")
                    : new MqttProxyException(MqttProxyFailureKind.ProtocolError, $"The SOCKS5 proxy's {what} is truncated: the connection closed after {length.ToString(CultureInfo.InvariantCulture)} of {buffer.Length.ToString(CultureInfo.InvariantCulture)} bytes.");
            }

            length += read;
        }
    }
}
