using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

/// <summary>
/// QoS 0 publishes take a path without an async state machine. It must still behave exactly like the async path:
/// the packet on the wire, a Success result, and errors delivered in the returned task rather than thrown.
/// </summary>
public class PublishAtMostOnceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_QoS_0_publish_goes_out_in_order_and_reports_success_without_a_packet_id(MqttProtocolVersion version)
    {
        await using var broker = new FakeBroker(version);
        await using var client = await broker.ConnectClientAsync();

        var results = new List<MqttPublishResult>();
        for (var i = 0; i < 3; i++)
        {
            results.Add(await client.PublishAsync($"q0/{i}", new byte[] { (byte)i }, retain: i == 2));
        }

        Assert.All(results, r => Assert.Equal((MqttReasonCode.Success, (ushort?)null, true), (r.ReasonCode, r.PacketId, r.IsSuccess)));
        for (var i = 0; i < 3; i++)
        {
            var sent = await broker.ReadAsync<MqttPublishPacket>();
            Assert.Equal(($"q0/{i}", MqttQualityOfService.AtMostOnce, i == 2, (byte)i), (sent.Topic, sent.QualityOfService, sent.Retain, sent.Payload.Span[0]));
        }
    }

    [Fact]
    public async Task An_invalid_topic_fails_the_returned_task_instead_of_throwing_at_the_call()
    {
        await using var broker = new FakeBroker();
        await using var client = await broker.ConnectClientAsync();

        // Calling must not throw: callers that start several publishes and await them together rely on it.
        var publishing = client.PublishAsync("a/+/b", new byte[] { 1 }).AsTask();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => publishing);
        Assert.Contains("a/+/b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_before_connecting_fails_the_returned_task_with_connection_lost()
    {
        await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = 1 });
        var publishing = client.PublishAsync("t", new byte[] { 1 }).AsTask();
        var error = await Assert.ThrowsAsync<MqttConnectionLostException>(() => publishing);
        Assert.Contains("ConnectAsync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_QoS_0_publish_larger_than_the_broker_allows_fails_in_its_task_and_nothing_is_sent()
    {
        await using var broker = new FakeBroker();
        await using var client = await broker.ConnectClientAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, MaximumPacketSize = 100 });

        var tooBig = client.PublishAsync("big", new byte[200]).AsTask();
        Assert.Equal(MqttReasonCode.PacketTooLarge, (await Assert.ThrowsAsync<MqttProtocolException>(() => tooBig)).ReasonCode);

        await client.PublishAsync("small", new byte[10]);
        Assert.Equal("small", (await broker.ReadAsync<MqttPublishPacket>()).Topic);
    }

    [Fact]
    public async Task A_QoS_0_publish_with_a_cancelled_token_is_cancelled_and_not_sent()
    {
        await using var broker = new FakeBroker();
        await using var client = await broker.ConnectClientAsync();

        var cancelled = client.PublishAsync("never", new byte[] { 1 }, cancellationToken: new CancellationToken(canceled: true)).AsTask();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.True(cancelled.IsCanceled);

        await client.PublishAsync("after", new byte[] { 2 });
        Assert.Equal("after", (await broker.ReadAsync<MqttPublishPacket>()).Topic);
    }
}
