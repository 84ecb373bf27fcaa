using System.Net;
using System.Net.Sockets;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

public class ConnectFailureTests
{
    [Fact]
    public async Task A_broker_that_never_sends_CONNACK_times_out_with_a_timeout_exception()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = port, ConnectTimeout = TimeSpan.FromMilliseconds(300) });
        var accept = listener.AcceptSocketAsync();

        var error = await Assert.ThrowsAsync<MqttTimeoutException>(() => client.ConnectAsync());
        Assert.Contains("CONNACK", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
        (await accept).Dispose();
    }

    [Fact]
    public async Task A_TLS_handshake_that_never_completes_is_a_TLS_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = port,
            Tls = new MqttTlsOptions(),
            ConnectTimeout = TimeSpan.FromMilliseconds(300),
        });
        var accept = listener.AcceptSocketAsync();

        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
        Assert.Equal(MqttTlsFailureKind.Timeout, error.Kind);
        Assert.True(error.IsTransient);
        (await accept).Dispose();
    }

    [Fact]
    public async Task Nobody_listening_is_connection_lost_naming_the_address()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = port });
        var error = await Assert.ThrowsAsync<MqttConnectionLostException>(() => client.ConnectAsync());
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_turned_into_a_timeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = port });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ConnectAsync(cts.Token));
    }

    [Fact]
    public async Task MQTT_311_CONNECT_without_credentials_carries_no_user_name_or_password()
    {
        await using var broker = new FakeBroker(MqttProtocolVersion.V311);
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        var connect = await accept;
        Assert.Equal(MqttProtocolVersion.V311, connect.ProtocolVersion);
        Assert.Null(connect.Username);
        Assert.Null(connect.Password);
    }

    [Fact]
    public async Task A_publish_waiting_for_the_receive_maximum_can_be_cancelled_and_the_exception_is_not_swallowed()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, ReceiveMaximum = 1 });
        await client.ConnectAsync();
        await accept;

        var first = client.PublishAsync("a", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask();
        var p1 = await broker.ReadAsync<MqttPublishPacket>();
        using var cts = new CancellationTokenSource();
        var second = client.PublishAsync("b", new byte[] { 2 }, MqttQualityOfService.AtLeastOnce, cancellationToken: cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);

        await broker.SendAckAsync(MqttPacketType.PubAck, p1.PacketId);
        await first.WaitAsync(TimeSpan.FromSeconds(10));

        // The cancelled publish never went out and its slot was not lost: the next one flows.
        var third = client.PublishAsync("c", new byte[] { 3 }, MqttQualityOfService.AtLeastOnce).AsTask();
        var p3 = await broker.ReadAsync<MqttPublishPacket>();
        Assert.Equal("c", p3.Topic);
        await broker.SendAckAsync(MqttPacketType.PubAck, p3.PacketId);
        Assert.True((await third.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
    }
}
