using System.Net;
using System.Net.Sockets;

namespace SecureMqtt.Tests.Tls;

/// <summary>The managed TLS-PSK path against peers a real broker never plays: plain text, silence.</summary>
public sealed class ManagedPskPeerTests
{
    private static MqttClientOptions Options(int port, TimeSpan? handshakeTimeout = null) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = "managed-psk-peer",
        ConnectTimeout = TimeSpan.FromSeconds(10),
        Tls = new MqttTlsOptions
        {
            PreSharedKey = MqttPreSharedKey.FromHex("device", "00112233445566778899aabbccddeeff"),
            PskImplementation = MqttPskImplementation.Managed,
            HandshakeTimeout = handshakeTimeout,
        },
    };

    [Fact]
    public async Task A_peer_that_answers_in_plain_text_is_not_TLS_and_the_message_quotes_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var peer = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            await socket.ReceiveAsync(new byte[512]);
            await socket.SendAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray());
            await Task.Delay(500);
        });
        await using var client = new MqttClient(Options(((IPEndPoint)listener.LocalEndpoint).Port));

        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());

        Assert.Equal(MqttTlsFailureKind.NotTls, error.Kind);
        Assert.Contains("HTTP/1.1 400 Bad Request", error.Message, StringComparison.Ordinal);
        await peer;
    }

    [Fact]
    public async Task A_silent_peer_is_a_handshake_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptSocketAsync();
        await using var client = new MqttClient(Options(((IPEndPoint)listener.LocalEndpoint).Port, TimeSpan.FromMilliseconds(300)));

        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());

        Assert.Equal(MqttTlsFailureKind.Timeout, error.Kind);
        Assert.Contains("sent nothing back", error.Message, StringComparison.Ordinal);
        (await accepted).Dispose();
    }
}
