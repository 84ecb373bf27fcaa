using System.Threading.Channels;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

/// <summary>
/// A broker that sends a QoS 2 PUBLISH again (DUP set, same packet id) after it released it with PUBREL, as
/// Mosquitto 2.0.11 does across two quick reconnects (docs/reliability.md). By default the client follows
/// [MQTT-4.3.3-13] and delivers it as a new message; <see cref="MqttClientOptions.SuppressQoS2ResendAfterRelease"/>
/// recognises it and completes its flow without delivering it again. The peer is hand-written because the fault is
/// the broker's, and a real Mosquitto shows it only under chaos (the fault scenarios run that).
/// </summary>
public class QoS2ResendAfterReleaseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task With_the_option_a_resend_of_a_released_message_is_acknowledged_and_not_delivered_again()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { SuppressQoS2ResendAfterRelease = true });
        var delivered = Deliveries(client);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        await CompleteFlowAsync(broker, Publish(7, "a", duplicate: false));
        Assert.Equal("a", await NextAsync(delivered));

        // The resend after PUBREL: PUBREC and, after its PUBREL, a successful PUBCOMP; nothing for the application.
        await CompleteFlowAsync(broker, Publish(7, "a", duplicate: true));

        // Still new messages: the same id and content without DUP, and the same id with DUP but another payload.
        await CompleteFlowAsync(broker, Publish(7, "a", duplicate: false));
        await CompleteFlowAsync(broker, Publish(7, "b", duplicate: true));
        Assert.Equal("a", await NextAsync(delivered));
        Assert.Equal("b", await NextAsync(delivered));
        Assert.False(delivered.TryRead(out var extra), $"delivered again: {extra}");
    }

    [Fact]
    public async Task By_default_a_resend_after_release_is_a_new_message_as_the_specification_says()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var delivered = Deliveries(client);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        await CompleteFlowAsync(broker, Publish(7, "a", duplicate: false));
        await CompleteFlowAsync(broker, Publish(7, "a", duplicate: true));

        Assert.Equal("a", await NextAsync(delivered));
        Assert.Equal("a", await NextAsync(delivered));
    }

    [Fact]
    public async Task A_resend_while_the_id_is_still_held_is_a_duplicate_either_way()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { SuppressQoS2ResendAfterRelease = true });
        var delivered = Deliveries(client);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        // PUBLISH, PUBREC, PUBLISH again before PUBREL [MQTT-4.3.3-10]: one delivery, two PUBRECs, one PUBCOMP.
        await broker.SendAsync(Publish(9, "x", duplicate: false));
        Assert.Equal((MqttPacketType.PubRec, (ushort)9), await AckAsync(broker));
        await CompleteFlowAsync(broker, Publish(9, "x", duplicate: true));
        Assert.Equal("x", await NextAsync(delivered));
        Assert.False(delivered.TryRead(out var extra), $"delivered again: {extra}");
    }

    private static MqttPublishPacket Publish(ushort packetId, string payload, bool duplicate) => new()
    {
        Topic = "sensors/1",
        QualityOfService = MqttQualityOfService.ExactlyOnce,
        PacketId = packetId,
        Duplicate = duplicate,
        Payload = System.Text.Encoding.ASCII.GetBytes(payload),
    };

    /// <summary>PUBLISH, then the client's PUBREC, our PUBREL and the client's PUBCOMP (which must say Success).</summary>
    private static async Task CompleteFlowAsync(FakeBroker broker, MqttPublishPacket publish)
    {
        await broker.SendAsync(publish);
        Assert.Equal((MqttPacketType.PubRec, publish.PacketId), await AckAsync(broker));
        await broker.SendAckAsync(MqttPacketType.PubRel, publish.PacketId);
        var comp = (await broker.ReadAsync<MqttAckPacket>().WaitAsync(Timeout)).Ack;
        Assert.Equal((MqttPacketType.PubComp, publish.PacketId, MqttReasonCode.Success), (comp.Type, comp.PacketId, comp.ReasonCode));
    }

    private static async Task<(MqttPacketType, ushort)> AckAsync(FakeBroker broker)
    {
        var ack = (await broker.ReadAsync<MqttAckPacket>().WaitAsync(Timeout)).Ack;
        return (ack.Type, ack.PacketId);
    }

    private static ChannelReader<string> Deliveries(MqttClient client)
    {
        var channel = Channel.CreateUnbounded<string>();
        client.MessageHandler = (message, _) =>
        {
            channel.Writer.TryWrite(System.Text.Encoding.ASCII.GetString(message.Payload.Span));
            return ValueTask.CompletedTask;
        };
        return channel.Reader;
    }

    private static async Task<string> NextAsync(ChannelReader<string> delivered) => await delivered.ReadAsync().AsTask().WaitAsync(Timeout);
}
