using System.Text;
using SecureMqtt.Transport.Proxies;

namespace SecureMqtt.Tests.Proxies;

/// <summary>
/// Proxies that answer wrongly: every malformed, truncated or oversized answer ends as a typed
/// <see cref="MqttProxyException"/>, never as a hang (each test awaits with a deadline) or an unbounded buffer.
/// </summary>
public class HostileProxyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_http_proxy_answering_with_garbage_is_a_protocol_error()
    {
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadHttpHeadAsync(s, ct);
            await s.WriteAsync("SSH-2.0-OpenSSH_9.2\r\n\r\n"u8.ToArray(), ct);
            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Http));

        Assert.Equal(MqttProxyFailureKind.ProtocolError, error.Kind);
        Assert.Contains("HTTP/1.x status line", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task An_http_header_block_above_8_KiB_is_refused_without_waiting_for_its_end()
    {
        // The proxy keeps the connection open after 9 KiB: only the bound, not the peer, can end the read.
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadHttpHeadAsync(s, ct);
            await s.WriteAsync("HTTP/1.1 200 OK\r\n"u8.ToArray(), ct);
            var filler = Encoding.ASCII.GetBytes("X-Filler: " + new string('a', 100) + "\r\n");
            for (var i = 0; i < 90; i++)
            {
                await s.WriteAsync(filler, ct);
            }

            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Http, timeout: TimeSpan.FromSeconds(30)));

        Assert.Equal(MqttProxyFailureKind.ProtocolError, error.Kind);
        Assert.Contains("8 KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http_answer_cut_off_in_the_headers_is_a_protocol_error()
    {
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadHttpHeadAsync(s, ct);
            await s.WriteAsync("HTTP/1.1 200 Connection established\r\nVia: x"u8.ToArray(), ct);
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Http));

        Assert.Equal(MqttProxyFailureKind.ProtocolError, error.Kind);
        Assert.Contains("middle of its answer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_http_proxy_ends_in_a_timeout_not_a_hang()
    {
        await using var proxy = new FakeProxy(FakeProxy.WaitForCloseAsync);

        var error = await FailAsync(proxy.Options(MqttProxyKind.Http, timeout: TimeSpan.FromMilliseconds(300)));

        Assert.Equal(MqttProxyFailureKind.Timeout, error.Kind);
        Assert.True(error.IsTransient);
    }

    [Theory]
    [InlineData("HTTP/1.1 407 Proxy Authentication Required", MqttProxyFailureKind.AuthenticationFailed)]
    [InlineData("HTTP/1.1 403 Forbidden", MqttProxyFailureKind.Refused)]
    [InlineData("HTTP/1.0 502 Bad Gateway", MqttProxyFailureKind.Refused)]
    [InlineData("HTTP/1.1 504 Gateway Timeout", MqttProxyFailureKind.Timeout)]
    [InlineData("HTTP/1.1 100 Continue", MqttProxyFailureKind.ProtocolError)]
    [InlineData("HTTP/1.1 2000 OK", MqttProxyFailureKind.ProtocolError)]
    [InlineData("HTTP/2 200", MqttProxyFailureKind.ProtocolError)]
    public async Task An_http_status_maps_to_its_failure_kind(string statusLine, MqttProxyFailureKind expected)
    {
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadHttpHeadAsync(s, ct);
            await s.WriteAsync(Encoding.ASCII.GetBytes(statusLine + "\r\nContent-Length: 0\r\n\r\n"), ct);
            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Http));

        Assert.Equal(expected, error.Kind);
    }

    [Fact]
    public async Task The_http_tunnel_starts_at_the_first_byte_after_the_headers_and_sends_basic_credentials()
    {
        string? head = null;
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            head = await FakeProxy.ReadHttpHeadAsync(s, ct);
            await s.WriteAsync("HTTP/1.1 200 Connection established\r\nProxy-Agent: fake\r\n\r\ntunnel-bytes"u8.ToArray(), ct);
            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        await using (var stream = await ConnectAsync(proxy.Options(MqttProxyKind.Http, new MqttCredentials("aladdin", "open sesame")), "broker.example", 8883))
        {
            var first = new byte["tunnel-bytes".Length];
            await stream.ReadExactlyAsync(first).AsTask().WaitAsync(Deadline);
            Assert.Equal("tunnel-bytes", Encoding.ASCII.GetString(first));
        }

        // RFC 7617's example credentials: Base64 of "aladdin:open sesame" after "Basic ".
        Assert.Equal(
            "CONNECT broker.example:8883 HTTP/1.1\r\nHost: broker.example:8883\r\nProxy-Authorization: Basic YWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n",
            head);
    }

    [Fact]
    public void An_ipv6_target_is_bracketed_in_the_connect_request()
    {
        var request = Encoding.ASCII.GetString(HttpConnectTunnel.BuildRequest("::1", 1883, null));
        Assert.StartsWith("CONNECT [::1]:1883 HTTP/1.1\r\nHost: [::1]:1883\r\n", request, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_host_with_a_line_break_cannot_inject_headers()
    {
        Assert.Throws<ArgumentException>(() => HttpConnectTunnel.BuildRequest("evil\r\nX-Injected: 1", 1883, null));
    }

    [Fact]
    public async Task A_truncated_socks5_reply_is_a_protocol_error()
    {
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadAsync(s, 3, ct);
            await s.WriteAsync(new byte[] { 5, 0 }, ct);
            await FakeProxy.ReadAsync(s, 4 + 1 + "broker.example".Length + 2, ct);
            await s.WriteAsync(new byte[] { 5, 0, 0, 1, 127 }, ct); // BND.ADDR cut after one byte, then close
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Socks5));

        Assert.Equal(MqttProxyFailureKind.ProtocolError, error.Kind);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socks4_answer_to_the_socks5_greeting_is_a_protocol_error()
    {
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadAsync(s, 3, ct);
            await s.WriteAsync(new byte[] { 0, 0x5A }, ct);
            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Socks5));

        Assert.Equal(MqttProxyFailureKind.ProtocolError, error.Kind);
    }

    [Fact]
    public async Task A_socks5_method_that_was_not_offered_is_a_protocol_error()
    {
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadAsync(s, 3, ct);
            await s.WriteAsync(new byte[] { 5, 2 }, ct); // user/password, though only "none" was offered
            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Socks5));

        Assert.Equal(MqttProxyFailureKind.ProtocolError, error.Kind);
    }

    [Fact]
    public async Task A_socks5_reply_with_an_unknown_address_type_is_a_protocol_error()
    {
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadAsync(s, 3, ct);
            await s.WriteAsync(new byte[] { 5, 0 }, ct);
            await FakeProxy.ReadAsync(s, 4 + 1 + "broker.example".Length + 2, ct);
            await s.WriteAsync(new byte[] { 5, 0, 0, 9, 0, 0, 0, 0, 0, 0 }, ct);
            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Socks5));

        Assert.Equal(MqttProxyFailureKind.ProtocolError, error.Kind);
    }

    [Theory]
    [InlineData(1, MqttProxyFailureKind.Refused)]
    [InlineData(2, MqttProxyFailureKind.Refused)]
    [InlineData(3, MqttProxyFailureKind.Refused)]
    [InlineData(4, MqttProxyFailureKind.Refused)]
    [InlineData(5, MqttProxyFailureKind.Refused)]
    [InlineData(6, MqttProxyFailureKind.Timeout)]
    [InlineData(7, MqttProxyFailureKind.ProtocolError)]
    [InlineData(8, MqttProxyFailureKind.ProtocolError)]
    [InlineData(0x42, MqttProxyFailureKind.Refused)]
    public async Task Every_socks5_reply_code_maps_to_a_kind_and_a_reason(byte reply, MqttProxyFailureKind expected)
    {
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadAsync(s, 3, ct);
            await s.WriteAsync(new byte[] { 5, 0 }, ct);
            await FakeProxy.ReadAsync(s, 4 + 1 + "broker.example".Length + 2, ct);
            await s.WriteAsync(new byte[] { 5, reply, 0, 1, 0, 0, 0, 0, 0, 0 }, ct);
            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Socks5));

        Assert.Equal(expected, error.Kind);
        Assert.Equal(reply, error.ProxyStatusCode);
        Assert.Contains(Socks5Tunnel.DescribeReply(reply).Reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socks5_tunnel_sends_the_rfc_1928_and_1929_bytes_and_starts_after_a_named_bound_address()
    {
        byte[]? greeting = null, authentication = null, request = null;
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            greeting = await FakeProxy.ReadAsync(s, 4, ct);
            await s.WriteAsync(new byte[] { 5, 2 }, ct);
            authentication = await FakeProxy.ReadAsync(s, 1 + 1 + 4 + 1 + 6, ct);
            await s.WriteAsync(new byte[] { 1, 0 }, ct);
            request = await FakeProxy.ReadAsync(s, 4 + 1 + 6 + 2, ct);
            // Bound address as a name (ATYP 3, "px"), port 4660, then the tunnel's first bytes.
            await s.WriteAsync(new byte[] { 5, 0, 0, 3, 2, (byte)'p', (byte)'x', 0x12, 0x34, (byte)'o', (byte)'k' }, ct);
            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        await using (var stream = await ConnectAsync(proxy.Options(MqttProxyKind.Socks5, new MqttCredentials("user", "secret")), "broker", 1883))
        {
            var first = new byte[2];
            await stream.ReadExactlyAsync(first).AsTask().WaitAsync(Deadline);
            Assert.Equal("ok"u8.ToArray(), first);
        }

        Assert.Equal(new byte[] { 5, 2, 2, 0 }, greeting);
        Assert.Equal([1, 4, .. "user"u8, 6, .. "secret"u8], authentication);
        Assert.Equal([5, 1, 0, 3, 6, .. "broker"u8, 0x07, 0x5B], request);
    }

    [Fact]
    public void A_socks5_connect_to_an_address_carries_the_address_not_a_name()
    {
        Assert.Equal(new byte[] { 5, 1, 0, 1, 127, 0, 0, 1, 0x22, 0xB3 }, Socks5Tunnel.BuildConnectRequest("127.0.0.1", 8883));
        Assert.Equal([5, 1, 0, 4, .. System.Net.IPAddress.IPv6Loopback.GetAddressBytes(), 0x07, 0x5B], Socks5Tunnel.BuildConnectRequest("::1", 1883));
    }

    [Fact]
    public async Task A_socks5_proxy_rejecting_the_password_is_an_authentication_failure()
    {
        await using var proxy = new FakeProxy(async (s, ct) =>
        {
            await FakeProxy.ReadAsync(s, 4, ct);
            await s.WriteAsync(new byte[] { 5, 2 }, ct);
            await FakeProxy.ReadAsync(s, 1 + 1 + 1 + 1 + 1, ct);
            await s.WriteAsync(new byte[] { 1, 1 }, ct);
            await FakeProxy.WaitForCloseAsync(s, ct);
        });

        var error = await FailAsync(proxy.Options(MqttProxyKind.Socks5, new MqttCredentials("u", "p")));

        Assert.Equal(MqttProxyFailureKind.AuthenticationFailed, error.Kind);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task A_socks5_proxy_that_hangs_up_at_once_refuses_the_client()
    {
        await using var proxy = new FakeProxy((s, _) => Task.CompletedTask);

        var error = await FailAsync(proxy.Options(MqttProxyKind.Socks5));

        Assert.Equal(MqttProxyFailureKind.Refused, error.Kind);
    }

    private static ValueTask<Stream> ConnectAsync(MqttProxyOptions options, string host = "broker.example", int port = 1883)
        => ProxyConnector.ConnectAsync(options, host, port, CancellationToken.None);

    private static async Task<MqttProxyException> FailAsync(MqttProxyOptions options)
        => await Assert.ThrowsAsync<MqttProxyException>(async () =>
        {
            await using var stream = await ConnectAsync(options).AsTask().WaitAsync(Deadline);
        });
}
