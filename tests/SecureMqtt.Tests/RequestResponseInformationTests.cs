using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

/// <summary>The response topic comes from the broker's Response Information when it gives one (MQTT 5.0 section 4.10.1).</summary>
public class RequestResponseInformationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_response_topic_is_built_on_the_brokers_Response_Information_and_subscribed_once()
    {
        await using var broker = new FakeBroker(MqttProtocolVersion.V500);
        await using var client = new MqttClient(broker.ClientOptions with { ClientId = "c+1", RequestResponseInformation = true });
        var connecting = client.ConnectAsync();
        var connect = await broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, ResponseInformation = "replies/xyz/" });
        await connecting.WaitAsync(Timeout);

        var first = client.RequestAsync("service", "a"u8.ToArray(), Timeout);
        var subscribe = await broker.ReadAsync<MqttSubscribePacket>();
        await broker.SendAsync(new MqttSubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = [MqttReasonCode.GrantedQoS2] });
        var request = await broker.ReadAsync<MqttPublishPacket>();
        await broker.SendAckAsync(MqttPacketType.PubAck, request.PacketId);
        await broker.SendAsync(new MqttPublishPacket { Topic = request.ResponseTopic!, CorrelationData = request.CorrelationData, Payload = "A"u8.ToArray() });
        var reply = await first.WaitAsync(Timeout);

        var second = client.RequestAsync("service", "b"u8.ToArray(), Timeout);
        var again = await broker.ReadAsync<MqttPublishPacket>();
        await broker.SendAckAsync(MqttPacketType.PubAck, again.PacketId);
        await broker.SendAsync(new MqttPublishPacket { Topic = again.ResponseTopic!, CorrelationData = again.CorrelationData, Payload = "B"u8.ToArray() });

        Assert.Equal(true, connect.RequestResponseInformation);
        Assert.Equal("replies/xyz/c_1", Assert.Single(subscribe.Subscriptions).TopicFilter);
        Assert.Equal("replies/xyz/c_1", request.ResponseTopic);
        Assert.Equal("A"u8.ToArray(), reply.Payload.ToArray());
        Assert.Equal("B"u8.ToArray(), (await second.WaitAsync(Timeout)).Payload.ToArray());
        Assert.NotEqual(request.CorrelationData!.Value.ToArray(), again.CorrelationData!.Value.ToArray());
        Assert.Single(broker.Received.OfType<MqttSubscribePacket>());
    }
}
