using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests.Hostile;

/// <summary>
/// A client connected to a <see cref="FakeBroker"/>, with a QoS 1 publish and a subscribe already on the wire and
/// unanswered, so every test also proves that pending calls end with an error instead of hanging.
/// </summary>
public sealed class HostileSession : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private HostileSession(FakeBroker broker, MqttClient client)
    {
        Broker = broker;
        Client = client;
        client.ConnectionLost += (_, e) => Lost.TrySetResult(e);
    }

    public FakeBroker Broker { get; }

    public MqttClient Client { get; }

    public MqttProtocolVersion Version => Broker.Version;

    public TaskCompletionSource<MqttConnectionLostEventArgs> Lost { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<MqttPublishResult>? PendingPublish { get; private set; }

    public Task<MqttSubscribeResult>? PendingSubscribe { get; private set; }

    /// <summary>Connects and leaves a publish and a subscribe pending (unless <paramref name="pending"/> is false).</summary>
    public static async Task<HostileSession> StartAsync(MqttProtocolVersion version, Func<MqttClientOptions, MqttClientOptions>? configure = null,
        MqttConnAckPacket? connAck = null, bool tls = false, bool pending = true)
    {
        var broker = new FakeBroker(version, tls);
        var client = new MqttClient(configure is null ? broker.ClientOptions : configure(broker.ClientOptions));
        var session = new HostileSession(broker, client);
        var accept = broker.AcceptAsync(connAck);
        await client.ConnectAsync().WaitAsync(Timeout);
        await accept;
        if (pending)
        {
            session.PendingPublish = client.PublishAsync("pending/publish", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce).AsTask();
            session.PendingSubscribe = client.SubscribeAsync("pending/subscribe", MqttQualityOfService.AtLeastOnce);
            var first = await broker.ReadPacketAsync();
            var second = await broker.ReadPacketAsync();
            Assert.Equal([MqttPacketType.Publish, MqttPacketType.Subscribe], new[] { first!.Type, second!.Type }.Order());
        }
        return session;
    }

    public Task SendRawAsync(byte[] bytes) => Broker.SendRawAsync(bytes);

    /// <summary>
    /// Asserts the client treated the peer's bytes as a protocol violation with <paramref name="reasonCode"/>: under
    /// MQTT 5 it sent DISCONNECT with that code as its last packet; under 3.1.1 it closed without DISCONNECT (which
    /// would ask the broker to discard the will as for a normal disconnection). The application saw the error on
    /// ConnectionLost and on the pending calls.
    /// </summary>
    public async Task<MqttProtocolException> AssertProtocolViolationAsync(MqttReasonCode reasonCode)
    {
        var sent = await Broker.ReadUntilClosedAsync();
        if (Version == MqttProtocolVersion.V500)
        {
            var disconnect = Assert.IsType<MqttDisconnectPacket>(Assert.Single(sent, p => p is MqttDisconnectPacket));
            Assert.Same(disconnect, sent[^1]);
            Assert.Equal(reasonCode, disconnect.ReasonCode);
        }
        else
        {
            Assert.DoesNotContain(sent, p => p is MqttDisconnectPacket);
        }

        var lost = await Lost.Task.WaitAsync(Timeout);
        var violation = Assert.IsType<MqttProtocolException>(lost.Exception);
        Assert.Equal(reasonCode, violation.ReasonCode);
        await AssertPendingFailedAsync(inner => Assert.Same(violation, inner));
        Assert.False(Client.IsConnected);
        return violation;
    }

    /// <summary>Asserts the connection ended without a protocol verdict (closed, reset, TLS failure) and everyone was told.</summary>
    /// <param name="peerCanRead">False when the peer's end is already gone (after a reset) and there is nothing to read.</param>
    public async Task<MqttConnectionLostException> AssertConnectionLostAsync(bool peerCanRead = true)
    {
        if (peerCanRead)
        {
            var sent = await Broker.ReadUntilClosedAsync();
            Assert.DoesNotContain(sent, p => p is MqttDisconnectPacket);
        }

        var lost = await Lost.Task.WaitAsync(Timeout);
        var error = Assert.IsType<MqttConnectionLostException>(lost.Exception);
        await AssertPendingFailedAsync(_ => { });
        Assert.False(Client.IsConnected);
        return error;
    }

    /// <summary>
    /// Asserts the connection survived: the pending publish and subscribe complete normally once answered, and
    /// ConnectionLost was not raised.
    /// </summary>
    public async Task AssertStillUpAsync()
    {
        var publish = Broker.Received.OfType<MqttPublishPacket>().Single(p => p.Topic == "pending/publish");
        var subscribe = Broker.Received.OfType<MqttSubscribePacket>().Single();
        await Broker.SendAckAsync(MqttPacketType.PubAck, publish.PacketId);
        await Broker.SendAsync(new MqttSubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = [MqttReasonCode.GrantedQoS1] });
        Assert.True((await PendingPublish!.WaitAsync(Timeout)).IsSuccess);
        Assert.True((await PendingSubscribe!.WaitAsync(Timeout)).IsSuccess);
        Assert.True(Client.IsConnected);
        Assert.False(Lost.Task.IsCompleted, Lost.Task.IsCompleted ? Lost.Task.Result.Exception.ToString() : null);
    }

    /// <summary>The next <paramref name="count"/> messages the application receives through <see cref="MqttClient.ReadMessagesAsync"/>.</summary>
    public async Task<List<MqttMessage>> ReceiveAsync(int count)
    {
        var messages = new List<MqttMessage>();
        using var timeout = new CancellationTokenSource(Timeout);
        await foreach (var m in Client.ReadMessagesAsync(timeout.Token))
        {
            messages.Add(m);
            if (messages.Count == count)
            {
                break;
            }
        }

        return messages;
    }

    private async Task AssertPendingFailedAsync(Action<Exception?> checkInner)
    {
        foreach (var pending in new Task?[] { PendingPublish, PendingSubscribe }.OfType<Task>())
        {
            var error = await Assert.ThrowsAsync<MqttConnectionLostException>(() => pending.WaitAsync(Timeout));
            checkInner(error.InnerException);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Broker.DisposeAsync();

        // A test that did not look at the pending calls leaves them failed by the disposal. Observe them here: left
        // to the finalizer they would surface as unobserved task exceptions in whichever test collects them, and the
        // base class would blame that test for an escape that is not the client's.
        foreach (var pending in new Task?[] { PendingPublish, PendingSubscribe }.OfType<Task>())
        {
            await pending.WaitAsync(Timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _ = pending.Exception;
        }
    }
}
