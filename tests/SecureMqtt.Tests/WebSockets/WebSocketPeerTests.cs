using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;
using SecureMqtt.Tests.Proxies;

namespace SecureMqtt.Tests.WebSockets;

/// <summary>
/// The client against a hand-written WebSocket server on 127.0.0.1:0 (the runtime's server-side WebSocket after a
/// scripted upgrade answer): what no real broker sends on purpose, such as packets cut across frames and messages,
/// text frames and forged handshakes.
/// </summary>
public class WebSocketPeerTests
{
    private static readonly byte[] ConnAck311 = [0x20, 0x02, 0x00, 0x00];

    [Fact]
    public async Task Packets_cut_across_frames_and_several_packets_in_one_frame_are_all_read()
    {
        string? request = null;
        byte[] publish1 = Publish311("t/1", "first");
        byte[] publish2 = Publish311("t/2", "second");
        await using var peer = new FakeProxy(async (stream, ct) =>
        {
            request = await FakeProxy.ReadHttpHeadAsync(stream, ct);
            using var socket = await AcceptAsync(stream, request, ct);
            await ReceiveMessageAsync(socket, ct); // CONNECT
            await socket.SendAsync(ConnAck311, WebSocketMessageType.Binary, true, ct);
            var subscribe = await ReceiveMessageAsync(socket, ct);
            byte[] subAck = [0x90, 0x03, subscribe[2], subscribe[3], 0x01];

            // One frame: SUBACK and the first 3 bytes of a PUBLISH; then the rest of it in two frames of one message,
            // the second frame also holding a whole second PUBLISH.
            await socket.SendAsync((byte[])[.. subAck, .. publish1[..3]], WebSocketMessageType.Binary, true, ct);
            await socket.SendAsync(publish1[3..6], WebSocketMessageType.Binary, false, ct);
            await socket.SendAsync((byte[])[.. publish1[6..], .. publish2], WebSocketMessageType.Binary, true, ct);
            await FakeProxy.WaitForCloseAsync(stream, ct);
        });
        await using var client = new MqttClient(Options(peer.Port, "/mqtt?tenant=a") with
        {
            WebSocket = new MqttWebSocketOptions { RequestHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer t0ken" } },
        });

        await client.ConnectAsync();
        await client.SubscribeAsync("t/#", MqttQualityOfService.AtLeastOnce);
        var first = await NextAsync(client);
        var second = await NextAsync(client);

        Assert.Equal(("t/1", "first"), (first.Topic, Encoding.UTF8.GetString(first.Payload.Span)));
        Assert.Equal(("t/2", "second"), (second.Topic, Encoding.UTF8.GetString(second.Payload.Span)));
        Assert.StartsWith("GET /mqtt?tenant=a HTTP/1.1\r\n", request, StringComparison.Ordinal);
        Assert.Contains($"\r\nHost: 127.0.0.1:{peer.Port}\r\n", request, StringComparison.Ordinal);
        Assert.Contains("\r\nSec-WebSocket-Protocol: mqtt\r\n", request, StringComparison.Ordinal);
        Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", request, StringComparison.Ordinal);
        Assert.Contains("\r\nAuthorization: Bearer t0ken\r\n", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_message_ends_the_connection_citing_the_rule()
    {
        await using var peer = new FakeProxy(async (stream, ct) =>
        {
            var request = await FakeProxy.ReadHttpHeadAsync(stream, ct);
            using var socket = await AcceptAsync(stream, request, ct);
            await ReceiveMessageAsync(socket, ct);
            await socket.SendAsync(ConnAck311, WebSocketMessageType.Text, true, ct);
            await FakeProxy.WaitForCloseAsync(stream, ct);
        });
        await using var client = new MqttClient(Options(peer.Port));

        var error = await Assert.ThrowsAsync<MqttConnectionLostException>(() => client.ConnectAsync());
        Assert.Contains("MQTT-6.0.0-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_sec_websocket_accept_is_a_protocol_error()
    {
        await using var peer = new FakeProxy(async (stream, ct) =>
        {
            await FakeProxy.ReadHttpHeadAsync(stream, ct);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"), ct);
            await FakeProxy.WaitForCloseAsync(stream, ct);
        });
        await using var client = new MqttClient(Options(peer.Port));

        var error = await Assert.ThrowsAsync<MqttWebSocketException>(() => client.ConnectAsync());
        Assert.Equal(MqttWebSocketFailureKind.ProtocolError, error.Kind);
        Assert.Contains("Sec-WebSocket-Accept", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_that_is_not_http_names_the_wrong_kind_of_port()
    {
        await using var peer = new FakeProxy(async (stream, ct) =>
        {
            await FakeProxy.ReadHttpHeadAsync(stream, ct);
            await stream.WriteAsync(ConnAck311, ct);
            await FakeProxy.WaitForCloseAsync(stream, ct);
        });
        await using var client = new MqttClient(Options(peer.Port));

        var error = await Assert.ThrowsAsync<MqttWebSocketException>(() => client.ConnectAsync());
        Assert.Equal(MqttWebSocketFailureKind.ProtocolError, error.Kind);
        Assert.Contains("first byte 0x20", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unoffered_extension_is_refused()
    {
        await using var peer = new FakeProxy(async (stream, ct) =>
        {
            var request = await FakeProxy.ReadHttpHeadAsync(stream, ct);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Answer(request, "Sec-WebSocket-Extensions: permessage-deflate\r\n")), ct);
            await FakeProxy.WaitForCloseAsync(stream, ct);
        });
        await using var client = new MqttClient(Options(peer.Port));

        var error = await Assert.ThrowsAsync<MqttWebSocketException>(() => client.ConnectAsync());
        Assert.Equal(MqttWebSocketFailureKind.ProtocolError, error.Kind);
        Assert.Contains("permessage-deflate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_answers_the_upgrade_is_a_timeout_naming_the_upgrade()
    {
        await using var peer = new FakeProxy(async (stream, ct) =>
        {
            await FakeProxy.ReadHttpHeadAsync(stream, ct);
            await FakeProxy.WaitForCloseAsync(stream, ct);
        });
        await using var client = new MqttClient(Options(peer.Port) with { ConnectTimeout = TimeSpan.FromSeconds(1) });

        var error = await Assert.ThrowsAsync<MqttTimeoutException>(() => client.ConnectAsync());
        Assert.Contains("during WebSocket upgrade", error.Message, StringComparison.Ordinal);
    }

    private static MqttClientOptions Options(int port, string path = "/mqtt") => new()
    {
        Servers = [new MqttEndpoint("127.0.0.1", port, webSocketPath: path)],
        ProtocolVersion = MqttProtocolVersion.V311,
        ClientId = "ws-peer",
        Reconnect = MqttReconnectOptions.Disabled,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    // A PUBLISH QoS 0 in MQTT 3.1.1 (section 3.3): fixed header, topic, payload.
    private static byte[] Publish311(string topic, string payload)
    {
        byte[] body = [.. Wire.String(topic), .. Encoding.UTF8.GetBytes(payload)];
        return [0x30, (byte)body.Length, .. body];
    }

    private static string Answer(string request, string extra = "")
    {
        var key = request.Split("\r\n").Single(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        return $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: mqtt\r\n{extra}\r\n";
    }

    private static async Task<WebSocket> AcceptAsync(Stream stream, string request, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Answer(request)), cancellationToken);
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, SubProtocol = "mqtt" });
    }

    private static async Task<byte[]> ReceiveMessageAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return buffer[..length];
            }
        }
    }

    private static async Task<MqttMessage> NextAsync(MqttClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await foreach (var message in client.ReadMessagesAsync(timeout.Token))
        {
            return message;
        }

        throw new InvalidOperationException("The message channel ended.");
    }
}
