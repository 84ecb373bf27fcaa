using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

/// <summary>DisconnectAsync(MqttDisconnectOptions): what MQTT 5 lets the client's DISCONNECT carry (section 3.14.2).</summary>
public class DisconnectOptionsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_reason_string_session_expiry_and_user_properties_reach_the_broker()
    {
        await using var broker = new FakeBroker(MqttProtocolVersion.V500);
        await using var client = new MqttClient(broker.ClientOptions with { SessionExpiry = TimeSpan.FromMinutes(5) });
        var connecting = client.ConnectAsync();
        await broker.AcceptAsync();
        await connecting.WaitAsync(Timeout);

        await client.DisconnectAsync(new MqttDisconnectOptions
        {
            ReasonCode = MqttReasonCode.DisconnectWithWillMessage,
            ReasonString = "maintenance",
            SessionExpiry = TimeSpan.Zero,
            UserProperties = [new("k", "v")],
        }).WaitAsync(Timeout);

        var disconnect = Assert.IsType<MqttDisconnectPacket>(Assert.Single(await broker.ReadUntilClosedAsync()));
        Assert.Equal(MqttReasonCode.DisconnectWithWillMessage, disconnect.ReasonCode);
        Assert.Equal("maintenance", disconnect.ReasonString);
        Assert.Equal(0u, disconnect.SessionExpiryInterval);
        Assert.Equal([new MqttUserProperty("k", "v")], disconnect.UserProperties);
    }

    [Fact]
    public async Task A_non_zero_session_expiry_after_a_CONNECT_with_zero_is_refused_before_anything_is_sent()
    {
        // [MQTT-3.14.2-2]
        await using var broker = new FakeBroker(MqttProtocolVersion.V500);
        await using var client = new MqttClient(broker.ClientOptions);
        var connecting = client.ConnectAsync();
        await broker.AcceptAsync();
        await connecting.WaitAsync(Timeout);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.DisconnectAsync(new MqttDisconnectOptions { SessionExpiry = TimeSpan.FromSeconds(30) }));

        Assert.Contains("MQTT-3.14.2-2", error.Message, StringComparison.Ordinal);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task MQTT_5_fields_are_refused_under_MQTT_3_1_1()
    {
        await using var broker = new FakeBroker(MqttProtocolVersion.V311);
        await using var client = new MqttClient(broker.ClientOptions);
        var connecting = client.ConnectAsync();
        await broker.AcceptAsync();
        await connecting.WaitAsync(Timeout);

        await Assert.ThrowsAsync<ArgumentException>(() => client.DisconnectAsync(new MqttDisconnectOptions { ReasonString = "bye" }));

        Assert.True(client.IsConnected);
    }
}
