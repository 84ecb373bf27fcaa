using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Session;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests;

/// <summary>
/// When a QoS 1 message's PUBACK or a QoS 2 message's PUBREC goes out (<see cref="MqttClientOptions.AcknowledgeAfterHandlers"/>), seen from the
/// one place it matters: a subscriber whose process dies while a handler still works on a message, with a session
/// the broker keeps. Only a message the broker has no acknowledgement for comes again after the restart.
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public class AcknowledgeAfterHandlersTests(MosquittoFixture fixture)
{
    public static TheoryData<MqttProtocolVersion, MqttQualityOfService> Cases => new()
    {
        { MqttProtocolVersion.V311, MqttQualityOfService.AtLeastOnce },
        { MqttProtocolVersion.V500, MqttQualityOfService.AtLeastOnce },
        { MqttProtocolVersion.V311, MqttQualityOfService.ExactlyOnce },
        { MqttProtocolVersion.V500, MqttQualityOfService.ExactlyOnce },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_message_whose_handler_had_not_finished_when_the_process_died_is_delivered_again_after_the_restart(MqttProtocolVersion version, MqttQualityOfService qos)
    {
        var (redelivered, firstAfterRestart) = await CrashInHandlerAsync(version, qos, acknowledgeAfterHandlers: true);

        Assert.Equal("in the handler", Encoding.UTF8.GetString(firstAfterRestart.Payload.Span));
        Assert.True(firstAfterRestart.Duplicate, "the broker resends it with DUP: it never had the PUBACK or PUBREC");
        Assert.Equal(["in the handler", "queued behind it", "after the restart"], redelivered);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task With_acknowledgement_on_arrival_the_same_crash_loses_both_messages(MqttProtocolVersion version, MqttQualityOfService qos)
    {
        var (redelivered, firstAfterRestart) = await CrashInHandlerAsync(version, qos, acknowledgeAfterHandlers: false);

        // The broker had both PUBACKs (at QoS 2 both PUBRECs: it sends PUBREL, not the message) before the handler
        // finished the first: nothing comes again.
        Assert.Equal("after the restart", Encoding.UTF8.GetString(firstAfterRestart.Payload.Span));
        Assert.Equal(["after the restart"], redelivered);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_message_a_ReadMessagesAsync_reader_had_not_finished_when_the_process_died_is_delivered_again_after_the_restart(
        MqttProtocolVersion version, MqttQualityOfService qos)
    {
        var topic = Broker.UniqueTopic("ack-after-reader");
        var options = Broker.Options(fixture, Listener.Plain, version, "aar-" + Guid.NewGuid().ToString("N")[..12]) with
        {
            CleanStart = false,
            SessionExpiry = version == MqttProtocolVersion.V500 ? TimeSpan.FromMinutes(1) : TimeSpan.Zero,
        };

        var crashed = new MqttClient(options);
        using var stop = new CancellationTokenSource();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inBody = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task reading = Task.CompletedTask;
        try
        {
            await crashed.ConnectAsync();
            await crashed.SubscribeAsync(topic, qos);
            reading = Task.Run(async () =>
            {
                await foreach (var message in crashed.ReadMessagesAsync(stop.Token))
                {
                    if (message.QualityOfService == MqttQualityOfService.AtMostOnce)
                    {
                        ready.TrySetResult();
                        continue;
                    }

                    // The application's work on the first message, still going on when the process dies.
                    inBody.TrySetResult();
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
            });

            await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
            await publisher.PublishAsync(topic, "ready"u8.ToArray());
            await ready.Task.WaitAsync(Broker.Timeout);
            await publisher.PublishAsync(topic, "in the reader"u8.ToArray(), qos);
            await publisher.PublishAsync(topic, "queued behind it"u8.ToArray(), qos);
            await inBody.Task.WaitAsync(Broker.Timeout);

            var (received, _) = await CrashAndRestartAsync(crashed, options, publisher, topic, qos);

            Assert.Equal(["in the reader", "queued behind it", "after the restart"], received);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
            await crashed.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttQualityOfService.ExactlyOnce)]
    public async Task Two_readers_and_a_handler_sharing_one_stream_get_every_message_once_and_leave_nothing_unacknowledged(MqttQualityOfService qos)
    {
        const int Count = 300;
        var topic = Broker.UniqueTopic("readers");
        // One store for both clients, as a restarted process has its durable one: a QoS 2 message whose PUBREC went
        // out just before DISCONNECT, its PUBREL still on the way, is sent again by Mosquitto 2.0.11 (with DUP) on the
        // next connection, and only a client that still holds its packet id knows it for a duplicate.
        var options = Broker.Options(fixture, Listener.Plain, MqttProtocolVersion.V500, "rd-" + Guid.NewGuid().ToString("N")[..12]) with
        {
            CleanStart = false,
            SessionExpiry = TimeSpan.FromMinutes(1),
            SessionStore = new MqttInMemorySessionStore(),
        };

        var taken = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource(Broker.Timeout * 3);
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Take(MqttMessage message)
        {
            taken.Add(Encoding.UTF8.GetString(message.Payload.Span));
            if (taken.Count == Count)
            {
                all.TrySetResult();
            }
        }

        await using (var consumer = new MqttClient(options))
        {
            await consumer.ConnectAsync();

            // Every third message goes to a handler, the rest to whichever of two readers asks first.
            await consumer.SubscribeAsync(topic + "/handled", qos, (message, _) =>
            {
                Take(message);
                return ValueTask.CompletedTask;
            });
            await consumer.SubscribeAsync(topic + "/read", qos);
            var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                try
                {
                    await foreach (var message in consumer.ReadMessagesAsync(stop.Token))
                    {
                        Take(message);
                        await Task.Yield();
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            })).ToArray();

            await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
            var publishes = Enumerable.Range(0, Count)
                .Select(i => publisher.PublishAsync(topic + (i % 3 == 0 ? "/handled" : "/read"), Encoding.UTF8.GetBytes($"m{i}"), qos).AsTask())
                .ToArray();
            await Task.WhenAll(publishes).WaitAsync(Broker.Timeout);
            await all.Task.WaitAsync(Broker.Timeout);
            await stop.CancelAsync();
            await Task.WhenAll(readers);
            await consumer.DisconnectAsync();
        }

        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"m{i}").Order(), taken.Order());

        // Everything was acknowledged: the kept session has nothing to send again. A broker sends again, with DUP
        // [MQTT-4.4.0-1], what it sent to this session and has no acknowledgement for; that is what this counts. The
        // next connection comes at once: before DisconnectAsync waited for the broker's close, Mosquitto took the old
        // socket over with the last acknowledgements still unread in it (about 1 run in 12 here) and sent those again.
        await using var next = new MqttClient(options);
        Assert.True((await next.ConnectAsync()).SessionPresent);
        await using var last = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await last.PublishAsync(topic + "/read", "last"u8.ToArray(), qos);
        var resent = new List<string>();
        while (true)
        {
            var message = await next.NextMessageAsync();
            var text = Encoding.UTF8.GetString(message.Payload.Span);
            if (text == "last")
            {
                break;
            }

            Assert.Contains(text, taken);
            if (message.Duplicate)
            {
                resent.Add(text);
            }
        }

        Assert.Empty(resent);
    }

    public static TheoryData<MqttProtocolVersion, MqttQualityOfService, bool> StopCases => new()
    {
        { MqttProtocolVersion.V311, MqttQualityOfService.AtLeastOnce, false },
        { MqttProtocolVersion.V500, MqttQualityOfService.AtLeastOnce, false },
        { MqttProtocolVersion.V311, MqttQualityOfService.ExactlyOnce, false },
        { MqttProtocolVersion.V500, MqttQualityOfService.ExactlyOnce, false },
        { MqttProtocolVersion.V500, MqttQualityOfService.AtLeastOnce, true },
        { MqttProtocolVersion.V311, MqttQualityOfService.ExactlyOnce, true },
    };

    [Theory]
    [MemberData(nameof(StopCases))]
    public async Task After_StopAcknowledging_the_messages_the_handlers_take_next_are_delivered_again_to_the_next_session(
        MqttProtocolVersion version, MqttQualityOfService qos, bool includingCurrent)
    {
        var topic = Broker.UniqueTopic("stop-ack");
        var options = Broker.Options(fixture, Listener.Plain, version, "sa-" + Guid.NewGuid().ToString("N")[..12]) with
        {
            CleanStart = false,
            SessionExpiry = version == MqttProtocolVersion.V500 ? TimeSpan.FromMinutes(1) : TimeSpan.Zero,
        };

        // The session exists and is offline while five messages are published: the broker sends all of them right
        // after the next CONNACK.
        await using (var first = new MqttClient(options))
        {
            await first.ConnectAsync();
            await first.SubscribeAsync(topic, qos);
            await first.DisconnectAsync();
        }

        await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        string[] published = ["m1", "m2", "m3", "m4", "m5"];
        foreach (var payload in published)
        {
            await publisher.PublishAsync(topic, Encoding.UTF8.GetBytes(payload), qos);
        }

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new List<string>();
        var taker = new MqttClient(options);
        taker.MessageHandler = async (message, _) =>
        {
            var payload = Encoding.UTF8.GetString(message.Payload.Span);
            handled.Add(payload);
            if (payload == "m1")
            {
                // Held until all five have been read, so that m3..m5 are handled (and, without the stop, acknowledged)
                // before the DISCONNECT.
                await gate.Task;
            }
            else if (payload == "m2")
            {
                taker.StopAcknowledging(includingCurrent);
            }
            else if (payload == "m5")
            {
                lastHandled.TrySetResult();
            }
        };
        await using (taker)
        {
            Assert.True((await taker.ConnectAsync()).SessionPresent);

            // The broker sent the five before it answers this, on the same connection: once answered, all were read.
            await taker.PublishAsync(topic + "/sync", "sync"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
            gate.TrySetResult();
            await lastHandled.Task.WaitAsync(Broker.Timeout);
            await taker.DisconnectAsync();
        }

        Assert.Equal(published, handled);
        await using var next = new MqttClient(options);
        Assert.True((await next.ConnectAsync()).SessionPresent);
        await publisher.PublishAsync(topic, "after"u8.ToArray(), qos);
        var received = new List<string>();
        while (received.LastOrDefault() != "after")
        {
            received.Add(Encoding.UTF8.GetString((await next.NextMessageAsync()).Payload.Span));
        }

        Assert.Equal(includingCurrent ? ["m2", "m3", "m4", "m5", "after"] : ["m3", "m4", "m5", "after"], received);
    }

    [Fact]
    public async Task StopAcknowledging_refuses_when_messages_are_acknowledged_on_arrival()
    {
        await using var client = new MqttClient(Broker.Options(fixture, Listener.Plain) with { AcknowledgeAfterHandlers = false });

        var refused = Assert.Throws<InvalidOperationException>(() => client.StopAcknowledging());
        Assert.Contains("acknowledged on arrival", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A subscriber with a kept session gets two messages at <paramref name="qos"/>, dies (no DISCONNECT) while its handler still holds
    /// the first, and is started again under the same client id; then one more message is published. Returns what
    /// the restarted subscriber received, in order, up to that last message.
    /// </summary>
    private async Task<(List<string> Received, MqttMessage First)> CrashInHandlerAsync(MqttProtocolVersion version, MqttQualityOfService qos,
        bool acknowledgeAfterHandlers)
    {
        var topic = Broker.UniqueTopic("ack-after-handler");
        var clientId = "aah-" + Guid.NewGuid().ToString("N")[..12];
        var options = Broker.Options(fixture, Listener.Plain, version, clientId) with
        {
            CleanStart = false,
            SessionExpiry = version == MqttProtocolVersion.V500 ? TimeSpan.FromMinutes(1) : TimeSpan.Zero,
            AcknowledgeAfterHandlers = acknowledgeAfterHandlers,
        };

        var inHandler = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var crashed = new MqttClient(options)
        {
            MessageHandler = async (_, _) =>
            {
                inHandler.TrySetResult();
                await gate.Task;
            },
        };
        try
        {
            await crashed.ConnectAsync();
            await crashed.SubscribeAsync(topic, qos);

            await using var publisher = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
            await publisher.PublishAsync(topic, "in the handler"u8.ToArray(), qos);
            await publisher.PublishAsync(topic, "queued behind it"u8.ToArray(), qos);
            await inHandler.Task.WaitAsync(Broker.Timeout);

            return await CrashAndRestartAsync(crashed, options, publisher, topic, qos);
        }
        finally
        {
            // The crashed process's handler would never return; here it must, for the client to be disposed.
            gate.TrySetResult();
            await crashed.DisposeAsync();
        }
    }

    /// <summary>
    /// Kills <paramref name="crashed"/> (no DISCONNECT) once the broker has every acknowledgement it wrote so far,
    /// starts a client with the same options, publishes one more message and returns what the restarted client
    /// received up to it, in order, and the first message.
    /// </summary>
    private static async Task<(List<string> Received, MqttMessage First)> CrashAndRestartAsync(MqttClient crashed, MqttClientOptions options,
        MqttClient publisher, string topic, MqttQualityOfService qos)
    {
        // Two QoS 1 round trips of the crashed client's own make the crash land at a known point. The broker sent
        // the messages before it answers the first, on the same connection, so by that answer they were read (and,
        // acknowledged on queueing, their PUBACKs written); whatever PUBACK was written by then goes out before the
        // second PUBLISH, so the broker has it by the second answer.
        await crashed.PublishAsync(topic + "/sync", "sync"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        await crashed.PublishAsync(topic + "/sync", "sync"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        await crashed.AbortAsync();

        await using var restarted = new MqttClient(options);
        var connected = await restarted.ConnectAsync();
        Assert.True(connected.SessionPresent, "the broker kept the session");
        await publisher.PublishAsync(topic, "after the restart"u8.ToArray(), qos);

        var received = new List<string>();
        MqttMessage? first = null;
        while (received.LastOrDefault() != "after the restart")
        {
            var message = await restarted.NextMessageAsync();
            first ??= message;
            received.Add(Encoding.UTF8.GetString(message.Payload.Span));
        }

        return (received, first!);
    }
}
