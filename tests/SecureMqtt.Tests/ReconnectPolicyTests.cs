using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

/// <summary>
/// What the reconnect policy decides, against a peer that answers each connection as the test scripts it: give up
/// on failures that waiting cannot fix, follow a Server Reference, and bound the offline queue without dropping.
/// </summary>
public sealed class ReconnectPolicyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static readonly MqttReconnectOptions Fast = new() { InitialDelay = TimeSpan.FromMilliseconds(20), MaximumDelay = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public async Task Refused_credentials_on_a_reconnect_stop_the_retries_and_fail_what_waits()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { Reconnect = Fast });
        var disconnected = new List<MqttDisconnectedEventArgs>();
        var gaveUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, e) =>
        {
            lock (disconnected)
            {
                disconnected.Add(e);
            }

            if (!e.WillRetry)
            {
                gaveUp.TrySetResult();
            }
        };
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        var pending = client.PublishAsync("t", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask();
        await broker.ReadAsync<MqttPublishPacket>();
        var refused = broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.NotAuthorized });
        await broker.DropConnectionAsync();
        await refused.WaitAsync(Timeout);

        await gaveUp.Task.WaitAsync(Timeout);
        var failure = await Assert.ThrowsAsync<MqttConnectionRefusedException>(() => pending.WaitAsync(Timeout));
        Assert.Equal(MqttReasonCode.NotAuthorized, failure.ReasonCode);
        Assert.Equal(MqttClientState.Disconnected, client.State);
        Assert.Equal([true, false], disconnected.Select(d => d.WillRetry));
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => client.PublishAsync("t", new byte[] { 2 }, MqttQualityOfService.AtLeastOnce).AsTask());
    }

    [Fact]
    public async Task A_DISCONNECT_with_Server_moved_sends_the_next_connection_to_the_referenced_server_when_allowed()
    {
        await using var first = new FakeBroker();
        await using var second = new FakeBroker();
        await using var client = new MqttClient(first.ClientOptions with { Reconnect = Fast with { FollowServerReferences = true, InitialDelay = TimeSpan.FromSeconds(30), MaximumDelay = TimeSpan.FromSeconds(30) } });
        var moved = new TaskCompletionSource<MqttConnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connected += (_, e) => _ = e.IsReconnect && moved.TrySetResult(e);
        var accept = first.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        var acceptMoved = second.AcceptAsync();
        await first.SendAsync(new MqttDisconnectPacket { ReasonCode = MqttReasonCode.ServerMoved, ServerReference = $"127.0.0.1:{second.Port}" });

        // No backoff (30 s here) before following the reference: the broker said where to go.
        await acceptMoved.WaitAsync(Timeout);
        Assert.Equal(second.Port, (await moved.Task.WaitAsync(Timeout)).Endpoint.Port);
    }

    [Fact]
    public async Task A_CONNACK_Use_another_server_on_the_first_connect_is_followed_when_allowed()
    {
        await using var first = new FakeBroker();
        await using var second = new FakeBroker();
        await using var client = new MqttClient(first.ClientOptions with { Reconnect = Fast with { FollowServerReferences = true } });
        var refuse = first.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.UseAnotherServer, ServerReference = $"127.0.0.1:{second.Port}" });
        var accept = second.AcceptAsync();

        await client.ConnectAsync().WaitAsync(Timeout);
        await refuse;
        await accept;
        Assert.Equal(second.Port, client.Endpoint!.Port);
    }

    [Fact]
    public async Task A_Server_Reference_is_not_followed_unless_the_options_allow_it()
    {
        await using var first = new FakeBroker();
        await using var client = new MqttClient(first.ClientOptions with { Reconnect = Fast });
        var refuse = first.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.UseAnotherServer, ServerReference = "elsewhere.example:1883" });

        var refused = await Assert.ThrowsAsync<MqttConnectionRefusedException>(() => client.ConnectAsync().WaitAsync(Timeout));
        await refuse;
        Assert.Equal("elsewhere.example:1883", refused.ServerReference);
    }

    [Fact]
    public async Task A_full_offline_queue_fails_the_publish_in_Fail_mode_and_takes_nothing()
    {
        await using var broker = new FakeBroker();
        var options = broker.ClientOptions with
        {
            Reconnect = Fast with { InitialDelay = TimeSpan.FromSeconds(30), MaximumDelay = TimeSpan.FromSeconds(30) },
            OfflineQueue = new MqttOfflineQueueOptions { MaximumMessages = 2, FullMode = MqttOfflineQueueFullMode.Fail },
        };
        await using var client = new MqttClient(options);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, _) => lost.TrySetResult();
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;
        await broker.DropConnectionAsync();
        await lost.Task.WaitAsync(Timeout);

        var queued = new[]
        {
            client.PublishAsync("t", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask(),
            client.PublishAsync("t", new byte[] { 2 }, MqttQualityOfService.ExactlyOnce).AsTask(),
        };
        await Assert.ThrowsAsync<MqttOfflineQueueFullException>(() => client.PublishAsync("t", new byte[] { 3 }, MqttQualityOfService.AtLeastOnce).AsTask());
        Assert.Equal(2, client.QueuedMessageCount);
        Assert.DoesNotContain(queued, q => q.IsCompleted);

        // Disposing fails what is still queued, with a reason, instead of leaving it waiting.
        await client.DisposeAsync();
        foreach (var q in queued)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => q.WaitAsync(Timeout));
        }
    }

    [Fact]
    public async Task A_QoS_0_message_published_while_offline_is_dropped_only_when_the_policy_says_so()
    {
        await using var broker = new FakeBroker();
        var options = broker.ClientOptions with
        {
            Reconnect = Fast with { InitialDelay = TimeSpan.FromSeconds(30), MaximumDelay = TimeSpan.FromSeconds(30) },
            OfflineQueue = new MqttOfflineQueueOptions { DropAtMostOnce = true },
        };
        await using var client = new MqttClient(options);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Disconnected += (_, _) => lost.TrySetResult();
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;
        await broker.DropConnectionAsync();
        await lost.Task.WaitAsync(Timeout);

        var dropped = await client.PublishAsync("t", new byte[] { 1 }).AsTask().WaitAsync(Timeout);
        Assert.True(dropped.Dropped);
        Assert.False(dropped.IsSuccess);
        Assert.Equal(0, client.QueuedMessageCount);

        // QoS 1 is never dropped: it waits in the queue.
        var kept = client.PublishAsync("t", new byte[] { 2 }, MqttQualityOfService.AtLeastOnce).AsTask();
        Assert.Equal(1, client.QueuedMessageCount);
        Assert.False(kept.IsCompleted);
        await client.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => kept.WaitAsync(Timeout));
    }
}
