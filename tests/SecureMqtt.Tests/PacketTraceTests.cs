using Microsoft.Extensions.Logging;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

public class PacketTraceTests
{
    [Fact]
    public async Task Every_packet_is_logged_at_debug_in_libmosquitto_wording_with_the_real_packet_ids()
    {
        var log = new RecordingLoggerFactory();
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { LoggerFactory = log, ClientId = "traced" });
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        var publish = client.PublishAsync("t/1", new byte[] { 1, 2, 3, 4, 5 }, MqttQualityOfService.AtLeastOnce).AsTask();
        var sent = await broker.ReadAsync<MqttPublishPacket>();
        await broker.SendAckAsync(MqttPacketType.PubAck, sent.PacketId);
        await publish;
        await broker.SendAsync(new MqttPublishPacket { Topic = "in", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 9, Payload = new byte[2] });
        Assert.Equal(MqttPacketType.PubRec, (await broker.ReadAsync<MqttAckPacket>()).Type);
        await client.DisconnectAsync();

        var lines = log.Lines.Where(l => l.EventId is 16 or 17).Select(l => l.Text).ToList();
        Assert.All(log.Lines.Where(l => l.EventId is 16 or 17), l => Assert.Equal(LogLevel.Debug, l.Level));
        Assert.Equal(
        [
            "sending CONNECT",
            "received CONNACK (0)",
            $"sending PUBLISH (d0, q1, r0, m{sent.PacketId}, 't/1', ... (5 bytes))",
            $"received PUBACK (Mid: {sent.PacketId}, RC:0)",
            "received PUBLISH (d0, q2, r0, m9, 'in', ... (2 bytes))",
            "sending PUBREC (m9, rc0)",
            "sending DISCONNECT",
        ], lines);
    }

    [Fact]
    public async Task Nothing_is_traced_when_debug_is_off()
    {
        var log = new RecordingLoggerFactory(LogLevel.Information);
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { LoggerFactory = log });
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;
        await client.PublishAsync("t", new byte[1]);
        await broker.ReadAsync<MqttPublishPacket>();

        Assert.DoesNotContain(log.Lines, l => l.EventId is 16 or 17);
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Information);
    }
}
