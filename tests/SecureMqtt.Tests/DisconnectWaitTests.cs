using SecureMqtt.Packets;
using SecureMqtt.Tests.Hostile;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

/// <summary>
/// DisconnectAsync waits, after its DISCONNECT is written, for the broker to close (<see cref="MqttClientOptions.DisconnectTimeout"/>):
/// a broker closes once it has read the DISCONNECT, and so the acknowledgements written before it. Mosquitto drops the
/// unread ones with a socket the next connection under the same client id takes over, and sends those messages again.
/// </summary>
public class DisconnectWaitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task DisconnectAsync_returns_once_the_broker_has_read_the_DISCONNECT_and_closed()
    {
        await using var session = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { DisconnectTimeout = TimeSpan.FromSeconds(30) }, pending: false);
        var (broker, client) = (session.Broker, session.Client);

        var leaving = client.DisconnectAsync();
        Assert.IsType<MqttDisconnectPacket>(await broker.ReadPacketAsync());

        // The broker has read it but not closed yet: the client still waits.
        await Task.Delay(200);
        Assert.False(leaving.IsCompleted, "DisconnectAsync returned before the broker closed the connection");

        await broker.DropConnectionAsync();
        await leaving.WaitAsync(Timeout);
        Assert.Equal(MqttClientState.Disconnected, client.State);
    }

    [Fact]
    public async Task A_broker_that_keeps_the_connection_open_after_DISCONNECT_is_left_after_the_timeout()
    {
        await using var session = await HostileSession.StartAsync(MqttProtocolVersion.V311, o => o with { DisconnectTimeout = TimeSpan.FromMilliseconds(300) }, pending: false);
        var (broker, client) = (session.Broker, session.Client);

        await client.DisconnectAsync().WaitAsync(Timeout);

        // The client closed: the broker reads the DISCONNECT and then the end of the stream.
        Assert.IsType<MqttDisconnectPacket>(Assert.Single(await broker.ReadUntilClosedAsync(TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public async Task Cancelling_the_wait_for_the_close_still_leaves_the_client_disconnected()
    {
        await using var session = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { DisconnectTimeout = TimeSpan.FromSeconds(30) }, pending: false);
        var (broker, client) = (session.Broker, session.Client);

        using var cancel = new CancellationTokenSource();
        var leaving = client.DisconnectAsync(cancellationToken: cancel.Token);
        Assert.IsType<MqttDisconnectPacket>(await broker.ReadPacketAsync());
        await cancel.CancelAsync();

        // The DISCONNECT is out: giving up the wait is not a failure of leaving.
        await leaving.WaitAsync(Timeout);
        Assert.Equal(MqttClientState.Disconnected, client.State);
        Assert.Null(await broker.ReadPacketAsync());
    }

    [Theory]
    [InlineData(MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttQualityOfService.ExactlyOnce)]
    public async Task A_message_that_arrives_after_the_DISCONNECT_is_neither_delivered_nor_acknowledged(MqttQualityOfService qos)
    {
        await using var session = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { DisconnectTimeout = TimeSpan.FromSeconds(30) }, pending: false);
        var (broker, client) = (session.Broker, session.Client);
        var delivered = 0;
        client.MessageHandler = (_, _) =>
        {
            Interlocked.Increment(ref delivered);
            return ValueTask.CompletedTask;
        };

        var leaving = client.DisconnectAsync();
        Assert.IsType<MqttDisconnectPacket>(await broker.ReadPacketAsync());
        await broker.SendAsync(new MqttPublishPacket { Topic = "late", Payload = new byte[] { 1 }, QualityOfService = qos, PacketId = 7 });

        // Nothing may follow the client's DISCONNECT [MQTT-3.14.4-1]: no PUBACK or PUBREC in this time.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => broker.ReadPacketAsync(TimeSpan.FromMilliseconds(300)));
        await broker.DropConnectionAsync();
        await leaving.WaitAsync(Timeout);
        Assert.Equal(0, delivered);
    }

    [Fact]
    public async Task A_full_incoming_queue_does_not_keep_DisconnectAsync_from_seeing_the_broker_close()
    {
        // No handler and no reader: a few messages fill both queues, and the read loop waits for room with the next.
        await using var session = await HostileSession.StartAsync(MqttProtocolVersion.V500,
            o => o with { DisconnectTimeout = TimeSpan.FromSeconds(30), IncomingMessageChannelCapacity = 1 }, pending: false);
        var (broker, client) = (session.Broker, session.Client);
        for (ushort id = 1; id <= 20; id++)
        {
            await broker.SendAsync(new MqttPublishPacket { Topic = "t", Payload = new byte[] { (byte)id }, QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = id });
        }

        // With no reader the first goes straight through to ReadMessagesAsync's queue and is acknowledged there; the
        // rest are already in the client's receive buffer, read in a moment.
        Assert.Equal((MqttPacketType.PubAck, (ushort)1), await AckAsync(broker));
        await Task.Delay(200);

        var leaving = client.DisconnectAsync();
        MqttPacket? packet;
        do
        {
            packet = await broker.ReadPacketAsync(Timeout);
        }
        while (packet is not MqttDisconnectPacket);

        // The waiting delivery is given up, so the read loop sees this close at once, not after DisconnectTimeout.
        await broker.DropConnectionAsync();
        await leaving.WaitAsync(Timeout);
    }

    private static async Task<(MqttPacketType, ushort)> AckAsync(FakeBroker broker)
    {
        var ack = (await broker.ReadAsync<MqttAckPacket>().WaitAsync(Timeout)).Ack;
        return (ack.Type, ack.PacketId);
    }
}
