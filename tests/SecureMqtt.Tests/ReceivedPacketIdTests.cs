using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

public class ReceivedPacketIdTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Received_messages_carry_the_brokers_packet_id_for_qos_1_and_2_and_none_for_qos_0()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        await broker.SendAsync(new MqttPublishPacket { Topic = "a", QualityOfService = MqttQualityOfService.AtMostOnce });
        await broker.SendAsync(new MqttPublishPacket { Topic = "b", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 7 });
        await broker.SendAsync(new MqttPublishPacket { Topic = "c", QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 65_535 });
        var ids = new List<ushort?>();
        await foreach (var m in client.ReadMessagesAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
        {
            ids.Add(m.PacketId);
            if (ids.Count == 3)
            {
                break;
            }
        }

        Assert.Equal([null, (ushort)7, (ushort)65_535], ids);
    }
}
