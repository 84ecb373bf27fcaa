using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

public class KeepAliveTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_broker_that_goes_silent_after_CONNACK_is_reported_lost_within_one_and_a_half_keep_alives()
    {
        var time = new ManualTimeProvider();
        var start = time.GetUtcNow();
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { KeepAlive = TimeSpan.FromSeconds(10), TimeProvider = time });
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, e) => lost.TrySetResult(e);

        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        Assert.Equal(10, (await accept).KeepAliveSeconds);
        await time.WaitForTimerAtOrAfterAsync(start + TimeSpan.FromSeconds(10)).WaitAsync(Timeout);

        // Nothing was sent for a keep-alive period: PINGREQ. The peer reads it and stays silent.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.IsType<MqttPingReqPacket>(await broker.ReadPacketAsync());
        await time.WaitForTimerAtOrAfterAsync(start + TimeSpan.FromSeconds(15)).WaitAsync(Timeout);

        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.True(client.IsConnected);
        Assert.False(lost.Task.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(0.2));
        var e = await lost.Task.WaitAsync(Timeout);
        var error = Assert.IsType<MqttConnectionLostException>(e.Exception);
        Assert.Contains("keep-alive", error.Message, StringComparison.Ordinal);
        Assert.Null(e.DisconnectReasonCode);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task A_broker_answering_PINGREQ_keeps_the_connection_alive_past_the_deadline()
    {
        var time = new ManualTimeProvider();
        var start = time.GetUtcNow();
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { KeepAlive = TimeSpan.FromSeconds(10), TimeProvider = time });
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        // The loop wakes every 5 s (PINGREQ due, or the 15 s receive deadline); pings go out every 10 s.
        foreach (var (at, ping) in new[] { (10, true), (15, false), (20, true), (25, false), (30, true) })
        {
            var when = start + TimeSpan.FromSeconds(at);
            await time.WaitForTimerAtOrAfterAsync(when).WaitAsync(Timeout);
            time.Advance(when - time.GetUtcNow());
            if (ping)
            {
                Assert.IsType<MqttPingReqPacket>(await broker.ReadPacketAsync());
                var before = client.BytesReceived;
                await broker.SendAsync(MqttPingRespPacket.Instance);
                Assert.True(SpinWait.SpinUntil(() => client.BytesReceived > before, Timeout));
            }
        }

        // 30 s in, twice the 15 s deadline, and still connected because PINGRESP kept arriving.
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task The_broker_server_keep_alive_overrides_the_configured_one()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { KeepAlive = TimeSpan.FromSeconds(60) });
        var accept = broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, ServerKeepAlive = 5 });
        var result = await client.ConnectAsync();
        await accept;
        Assert.Equal(TimeSpan.FromSeconds(5), result.KeepAlive);
    }
}
