using System.Text;
using SecureMqtt.Packets;
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

            // Two QoS 1 round trips of the crashed client's own make the crash land at a known point. The broker sent
            // the second message before it answers the first, on the same connection, so by that answer the message
            // was read (and, acknowledged on queueing, its PUBACK written); whatever PUBACK was written by then goes
            // out before the second PUBLISH, so the broker has it by the second answer.
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
        finally
        {
            // The crashed process's handler would never return; here it must, for the client to be disposed.
            gate.TrySetResult();
            await crashed.DisposeAsync();
        }
    }
}
