using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests.Hostile;

/// <summary>What happens below MQTT: bytes trickling in, resets, TLS alerts and garbage inside a TLS session.</summary>
public sealed class TransportTests : HostileTestBase
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Packets_delivered_one_byte_per_write_decode_correctly(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        var subscribe = Assert.Single(s.Broker.Received.OfType<MqttSubscribePacket>());
        var publishId = s.Broker.Received.OfType<MqttPublishPacket>().Single().PacketId;
        byte[] script =
        [
            .. Wire.Encode(new MqttPublishPacket { Topic = "slow/one", QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 77, Payload = new byte[300] }, version),
            .. Wire.Encode(new MqttSubAckPacket { PacketId = subscribe.PacketId, ReasonCodes = [MqttReasonCode.GrantedQoS1] }, version),
            .. Wire.Encode(new MqttAckPacket(new MqttAck(MqttPacketType.PubAck, publishId)), version),
            .. Wire.Encode(new MqttPublishPacket { Topic = "slow/two", Payload = "done"u8.ToArray() }, version),
        ];
        await s.Broker.SendSlowlyAsync(script, chunkSize: 1, pause: TimeSpan.FromMilliseconds(1));

        var messages = await s.ReceiveAsync(2);
        Assert.Equal(["slow/one", "slow/two"], messages.Select(m => m.Topic));
        Assert.Equal(300, messages[0].Payload.Length);
        Assert.Equal("done"u8.ToArray(), messages[1].Payload.ToArray());
        Assert.True((await s.PendingSubscribe!.WaitAsync(Timeout)).IsSuccess);
        Assert.True((await s.PendingPublish!.WaitAsync(Timeout)).IsSuccess);
        var ack = (await s.Broker.ReadAsync<MqttAckPacket>()).Ack;
        Assert.Equal((MqttPacketType.PubAck, (ushort)77), (ack.Type, ack.PacketId));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_CONNACK_delivered_one_byte_per_write_completes_the_connect(MqttProtocolVersion version)
    {
        await using var broker = new FakeBroker(version);
        await using var client = new MqttClient(broker.ClientOptions);
        var accept = broker.AcceptConnectAsync();
        var connecting = client.ConnectAsync();
        await accept;
        var connAck = new MqttConnAckPacket
        {
            ReasonCode = MqttReasonCode.Success,
            SessionPresent = false,
            ReceiveMaximum = version == MqttProtocolVersion.V500 ? (ushort)7 : null,
            UserProperties = version == MqttProtocolVersion.V500 ? [new("k", "v")] : [],
        };
        await broker.SendSlowlyAsync(Wire.Encode(connAck, version), chunkSize: 1, pause: TimeSpan.FromMilliseconds(5));

        var result = await connecting.WaitAsync(Timeout);
        Assert.Equal(version == MqttProtocolVersion.V500 ? 7 : 65535, result.ReceiveMaximum);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Bytes_trickling_in_keep_the_connection_alive_past_the_keep_alive_deadline()
    {
        // Keep-alive 1 s gives up after 1.5 s of silence; the packet takes about 3 s to arrive, a byte every 30 ms.
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { KeepAlive = TimeSpan.FromSeconds(1) }, pending: false);
        var packet = Wire.Encode(new MqttPublishPacket { Topic = "trickle", Payload = new byte[90] }, MqttProtocolVersion.V500);
        await s.Broker.SendSlowlyAsync(packet, chunkSize: 1, pause: TimeSpan.FromMilliseconds(30));

        var message = Assert.Single(await s.ReceiveAsync(1));
        Assert.Equal(90, message.Payload.Length);
        Assert.True(s.Client.IsConnected);
        Assert.False(s.Lost.Task.IsCompleted);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_connection_reset_in_the_middle_of_a_packet_is_reported_as_connection_lost(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version);
        var whole = Wire.Encode(new MqttPublishPacket { Topic = "t", Payload = new byte[1000] }, version);
        await s.SendRawAsync(whole[..500]);
        s.Broker.Reset();

        var error = await s.AssertConnectionLostAsync(peerCanRead: false);
        Assert.IsAssignableFrom<IOException>(error.InnerException);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Malformed_bytes_inside_TLS_get_the_same_verdict_as_over_TCP(MqttProtocolVersion version)
    {
        await using var s = await HostileSession.StartAsync(version, tls: true);
        Assert.NotNull(s.Client.TlsInfo);
        await s.SendRawAsync([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
        await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
    }

    [Fact]
    public async Task A_TLS_close_notify_in_the_middle_of_a_packet_is_reported_as_an_incomplete_packet()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, tls: true);
        var whole = Wire.Encode(new MqttPublishPacket { Topic = "t", Payload = new byte[100] }, MqttProtocolVersion.V500);
        await s.SendRawAsync(whole[..30]);
        await s.Broker.EndOutputAsync();

        var error = await s.AssertConnectionLostAsync();
        Assert.Contains("incomplete packet", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> TlsGarbage() => new()
    {
        // A fatal handshake_failure alert in the clear, where the client expects protected records.
        { "plaintext alert", [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28] },

        // An application data record whose "ciphertext" is noise: authentication fails.
        { "forged record", [0x17, 0x03, 0x03, 0x00, 0x20, .. Enumerable.Range(0, 32).Select(i => (byte)(i * 7))] },

        // Not a TLS record at all.
        { "noise", [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01, 0x02, 0x03] },
    };

    [Theory]
    [MemberData(nameof(TlsGarbage))]
    public async Task A_TLS_alert_or_garbage_in_the_middle_of_the_stream_ends_the_connection_with_the_TLS_error(string kind, byte[] bytes)
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, tls: true);

        // Half a PUBLISH through TLS first, then bytes that bypass the TLS layer.
        var whole = Wire.Encode(new MqttPublishPacket { Topic = "t", Payload = new byte[100] }, MqttProtocolVersion.V500);
        await s.SendRawAsync(whole[..30]);
        await s.Broker.RawStream.WriteAsync(bytes);

        var error = await s.AssertConnectionLostAsync();
        Assert.True(error.InnerException is IOException or System.Security.Authentication.AuthenticationException, $"{kind}: {error}");
    }

    [Fact]
    public async Task A_publish_whose_caller_stopped_waiting_leaves_no_unobserved_exception_when_the_connection_dies()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);
        using var cts = new CancellationTokenSource();
        var abandoned = s.Client.PublishAsync("abandoned", new byte[] { 1 }, MqttQualityOfService.AtLeastOnce, cancellationToken: cts.Token).AsTask();
        Assert.Equal("abandoned", (await s.Broker.ReadAsync<MqttPublishPacket>()).Topic);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        s.Broker.Reset();
        await s.AssertConnectionLostAsync(peerCanRead: false);

        // The base class collects garbage and fails the test if the flight's failure went unobserved.
    }

    [Fact]
    public async Task Publishers_racing_a_protocol_violation_fail_with_connection_lost_and_nothing_else()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500);
        using var stop = new CancellationTokenSource();
        var publishers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            var errors = new List<Exception>();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await s.Client.PublishAsync($"race/{p}", new byte[100]);
                }
                catch (Exception ex)
                {
                    errors.Add(ex);
                    if (ex is MqttConnectionLostException)
                    {
                        break;
                    }
                }
            }

            return errors;
        })).ToList();

        // The broker reads what it gets and then sends a malformed packet.
        var reading = s.Broker.ReadUntilClosedAsync(TimeSpan.FromSeconds(30));
        await s.SendRawAsync([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
        var sent = await reading;
        await stop.CancelAsync();

        var errors = (await Task.WhenAll(publishers).WaitAsync(Timeout)).SelectMany(e => e).ToList();
        Assert.All(errors, e => Assert.IsType<MqttConnectionLostException>(e));

        // DISCONNECT is the last packet on the wire: no PUBLISH slips in behind it [MQTT-3.14.4-1].
        Assert.Equal(MqttReasonCode.MalformedPacket, Assert.IsType<MqttDisconnectPacket>(sent[^1]).ReasonCode);
        Assert.Equal(MqttReasonCode.MalformedPacket, Assert.IsType<MqttProtocolException>((await s.Lost.Task.WaitAsync(Timeout)).Exception).ReasonCode);
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => s.PendingPublish!);
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => s.PendingSubscribe!);
    }

    [Fact]
    public async Task A_broker_that_stops_reading_and_goes_silent_is_declared_dead_even_while_writes_are_stuck()
    {
        // The broker reads nothing and says nothing. The application publishes until the socket and the output
        // buffer are full, so PINGREQ cannot be written either: keep-alive must still notice the silence.
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, o => o with { KeepAlive = TimeSpan.FromSeconds(1) }, pending: false);
        var publishing = Task.Run(async () =>
        {
            while (true)
            {
                await s.Client.PublishAsync("fill", new byte[512 * 1024]);
            }
        });

        var lost = await s.Lost.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.IsType<MqttConnectionLostException>(lost.Exception);
        Assert.Contains("keep-alive", lost.Exception.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => publishing.WaitAsync(Timeout));
        s.Broker.Reset();
    }

    [Fact]
    public async Task Throwing_application_callbacks_do_not_escape_to_the_process()
    {
        await using var s = await HostileSession.StartAsync(MqttProtocolVersion.V500, pending: false);
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s.Client.MessageHandler = (_, _) =>
        {
            handled.TrySetResult();
            throw new InvalidOperationException("application bug in the message handler");
        };
        var lostRaised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s.Client.ConnectionLost += (_, _) =>
        {
            lostRaised.TrySetResult();
            throw new InvalidOperationException("application bug in the ConnectionLost handler");
        };

        await s.Broker.SendAsync(new MqttPublishPacket { Topic = "t", Payload = new byte[] { 1 } });
        await handled.Task.WaitAsync(Timeout);
        await s.SendRawAsync([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
        await lostRaised.Task.WaitAsync(Timeout);
        await s.AssertProtocolViolationAsync(MqttReasonCode.MalformedPacket);
    }
}
