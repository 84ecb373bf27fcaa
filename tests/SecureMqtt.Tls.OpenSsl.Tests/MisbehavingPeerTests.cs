using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SecureMqtt.Tls.OpenSsl.Tests.Support;

namespace SecureMqtt.Tls.OpenSsl.Tests;

/// <summary>Peers on 127.0.0.1:0 that do what no TLS server does.</summary>
public class MisbehavingPeerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Reports_a_peer_that_answers_in_plain_text_as_not_tls()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = AnswerOnceAsync(listener, Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        await using var inner = await Net.ConnectAsync(((IPEndPoint)listener.LocalEndpoint).Port);

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, Options(Wait)));

        Assert.Equal(PskTlsFailure.NotTls, ex.Kind);
        Assert.Contains("HTTP/1.1 400 Bad Request", ex.Message, StringComparison.Ordinal);
        await peer;
    }

    [Fact]
    public async Task Reports_a_peer_that_answers_with_an_mqtt_connack_as_plain_mqtt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = AnswerOnceAsync(listener, Mqtt.ConnAckAccepted);
        await using var inner = await Net.ConnectAsync(((IPEndPoint)listener.LocalEndpoint).Port);

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, Options(Wait)));

        Assert.Equal(PskTlsFailure.NotTls, ex.Kind);
        Assert.Contains("plain MQTT", ex.Message, StringComparison.Ordinal);
        await peer;
    }

    [Fact]
    public async Task Times_out_on_a_silent_peer_within_the_handshake_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var inner = await Net.ConnectAsync(((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await listener.AcceptSocketAsync();
        var timeout = TimeSpan.FromMilliseconds(500);
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, Options(timeout)));

        Assert.Equal(PskTlsFailure.Timeout, ex.Kind);
        // Timers may fire a few milliseconds early; the point is "about the timeout, not the default 10 s".
        Assert.InRange(clock.Elapsed, timeout - TimeSpan.FromMilliseconds(100), timeout + TimeSpan.FromSeconds(5));
        Assert.Contains("sent nothing back", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_a_peer_that_closes_at_once_as_connection_closed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var inner = await Net.ConnectAsync(((IPEndPoint)listener.LocalEndpoint).Port);
        (await listener.AcceptSocketAsync()).Dispose();

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, Options(Wait)));

        Assert.Equal(PskTlsFailure.ConnectionClosed, ex.Kind);
    }

    [Fact]
    public async Task Honours_the_callers_cancellation_as_cancellation_not_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var inner = await Net.ConnectAsync(((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await listener.AcceptSocketAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PskTlsStream.ConnectAsync(inner, Options(Wait), cts.Token));
    }

    private static PskTlsClientOptions Options(TimeSpan handshakeTimeout) => new()
    {
        Identity = "dev1",
        Key = new byte[16],
        HandshakeTimeout = handshakeTimeout,
    };

    private static async Task AnswerOnceAsync(TcpListener listener, byte[] answer)
    {
        using var socket = await listener.AcceptSocketAsync();
        var hello = new byte[1024];
        var received = await socket.ReceiveAsync(hello).WaitAsync(Wait);
        Assert.True(received > 0);
        Assert.Equal(0x16, hello[0]);
        await socket.SendAsync(answer);
        socket.Shutdown(SocketShutdown.Send);
    }
}
