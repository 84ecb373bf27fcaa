using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

public class UserPropertiesTests
{
    [Fact]
    public async Task CONNECT_carries_user_properties_and_the_two_requests_when_they_differ_from_the_defaults()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with
        {
            ConnectUserProperties = [new("site", "north"), new("site", "south")],
            RequestProblemInformation = false,
            RequestResponseInformation = true,
        });
        var accept = broker.AcceptAsync(new MqttConnAckPacket { ResponseInformation = "replies/" });
        await client.ConnectAsync();
        var connect = await accept;

        Assert.Equal([new MqttUserProperty("site", "north"), new MqttUserProperty("site", "south")], connect.UserProperties);
        Assert.False(connect.RequestProblemInformation);
        Assert.True(connect.RequestResponseInformation);
        Assert.Equal("replies/", client.ConnectResult!.ResponseInformation);
    }

    [Fact]
    public async Task CONNECT_leaves_the_requests_out_when_they_are_the_protocols_defaults()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        var connect = await accept;

        Assert.Null(connect.RequestProblemInformation);
        Assert.Null(connect.RequestResponseInformation);
        Assert.Empty(connect.UserProperties);
    }

    [Fact]
    public async Task SUBSCRIBE_UNSUBSCRIBE_and_DISCONNECT_carry_the_given_user_properties()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        var subscribing = client.SubscribeAsync([new MqttSubscription("a/#")], userProperties: [new("op", "sub")]);
        var subscribe = await broker.ReadAsync<MqttSubscribePacket>();
        await broker.SendAsync(new MqttSubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = [MqttReasonCode.GrantedQoS0] });
        Assert.True((await subscribing).IsSuccess);
        Assert.Equal([new MqttUserProperty("op", "sub")], subscribe.UserProperties);

        var unsubscribing = client.UnsubscribeAsync(["a/#"], [new("op", "unsub")]);
        var unsubscribe = await broker.ReadAsync<MqttUnsubscribePacket>();
        await broker.SendAsync(new MqttUnsubAckPacket { PacketId = unsubscribe.PacketId, ReasonCodes = [MqttReasonCode.Success] });
        await unsubscribing;
        Assert.Equal([new MqttUserProperty("op", "unsub")], unsubscribe.UserProperties);

        await client.DisconnectAsync(userProperties: [new("op", "bye"), new("why", "done")]);
        var disconnect = await broker.ReadAsync<MqttDisconnectPacket>();
        Assert.Equal([new MqttUserProperty("op", "bye"), new MqttUserProperty("why", "done")], disconnect.UserProperties);
    }

    [Fact]
    public async Task User_properties_on_an_MQTT_311_connection_are_refused_not_dropped()
    {
        await using var broker = new FakeBroker(MqttProtocolVersion.V311);
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync([new MqttSubscription("a")], userProperties: [new("k", "v")]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.UnsubscribeAsync(["a"], [new("k", "v")]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.DisconnectAsync(userProperties: [new("k", "v")]));
        Assert.True(client.IsConnected);
    }
}
