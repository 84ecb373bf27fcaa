using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests;

/// <summary>MQTT 5 request/response (section 4.10) through Mosquitto: RequestAsync on one client, RespondAsync on another.</summary>
[Collection(MosquittoFixture.CollectionName)]
public class RequestResponseTests(MosquittoFixture fixture)
{
    [Fact]
    public async Task A_request_gets_the_responders_reply_matched_by_correlation_data()
    {
        var requestTopic = Broker.UniqueTopic("rr");
        await using var responder = await StartResponderAsync(requestTopic, request => "re:" + request);
        await using var requester = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));

        var reply = await requester.RequestAsync(requestTopic, "ping"u8.ToArray(), Broker.Timeout);

        Assert.Equal("re:ping", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Equal($"smqtt/response/{requester.ClientId}", reply.Topic);
        Assert.Equal(16, reply.CorrelationData!.Value.Length);
    }

    [Fact]
    public async Task Concurrent_requests_each_get_their_own_reply_even_when_replies_come_out_of_order()
    {
        var requestTopic = Broker.UniqueTopic("rr-many");
        var arrived = 0;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new List<MqttMessage>();
        await using var responder = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));

        // The responder holds every request until all eight are in, then answers them last first.
        await responder.SubscribeAsync(requestTopic, MqttQualityOfService.AtLeastOnce, (request, _) =>
        {
            lock (held)
            {
                held.Add(request);
            }

            if (Interlocked.Increment(ref arrived) == 8)
            {
                allArrived.TrySetResult();
            }

            return ValueTask.CompletedTask;
        });
        await using var requester = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));

        var requests = Enumerable.Range(0, 8).Select(i => requester.RequestAsync(requestTopic, Encoding.UTF8.GetBytes($"n{i}"), Broker.Timeout)).ToArray();
        await allArrived.Task.WaitAsync(Broker.Timeout);
        foreach (var request in Enumerable.Reverse(held))
        {
            await responder.RespondAsync(request, Encoding.UTF8.GetBytes("re:" + Encoding.UTF8.GetString(request.Payload.Span)));
        }

        var replies = await Task.WhenAll(requests).WaitAsync(Broker.Timeout);

        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"re:n{i}"), replies.Select(r => Encoding.UTF8.GetString(r.Payload.Span)));
    }

    [Fact]
    public async Task A_request_nobody_answers_times_out_and_a_later_request_still_works()
    {
        var silent = Broker.UniqueTopic("rr-silent");
        var answered = Broker.UniqueTopic("rr-answered");
        await using var responder = await StartResponderAsync(answered, request => request.ToUpperInvariant());
        await using var requester = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));

        var error = await Assert.ThrowsAsync<MqttTimeoutException>(() => requester.RequestAsync(silent, "anyone?"u8.ToArray(), TimeSpan.FromMilliseconds(300)));
        var reply = await requester.RequestAsync(answered, "hi"u8.ToArray(), Broker.Timeout);

        Assert.Contains(silent, error.Message, StringComparison.Ordinal);
        Assert.Equal("HI", Encoding.UTF8.GetString(reply.Payload.Span));
    }

    [Fact]
    public async Task Request_response_is_refused_under_MQTT_3_1_1()
    {
        await using var requester = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain, MqttProtocolVersion.V311));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => requester.RequestAsync("t", "x"u8.ToArray(), Broker.Timeout));

        Assert.Contains("MQTT 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responding_to_a_message_without_a_response_topic_is_refused()
    {
        await using var responder = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));

        await Assert.ThrowsAsync<ArgumentException>(() => responder.RespondAsync(new MqttMessage { Topic = "t" }, "x"u8.ToArray()).AsTask());
    }

    [Fact]
    public async Task A_handler_can_await_a_request_of_its_own()
    {
        // The reply reaches the request without waiting behind the handler that made it: handlers run one at a time.
        var requestTopic = Broker.UniqueTopic("rr-in-handler");
        var trigger = Broker.UniqueTopic("rr-trigger");
        await using var responder = await StartResponderAsync(requestTopic, request => "re:" + request);
        await using var requester = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        var replied = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await requester.SubscribeAsync(trigger, MqttQualityOfService.AtLeastOnce, async (message, handlerToken) =>
        {
            var reply = await requester.RequestAsync(requestTopic, message.Payload.ToArray(), Broker.Timeout, handlerToken);
            replied.TrySetResult(Encoding.UTF8.GetString(reply.Payload.Span));
        });

        await requester.PublishAsync(trigger, "from-handler"u8.ToArray(), MqttQualityOfService.AtLeastOnce);

        Assert.Equal("re:from-handler", await replied.Task.WaitAsync(Broker.Timeout));
    }

    [Fact]
    public async Task A_ReadMessagesAsync_reader_can_await_a_request_while_its_message_waits_to_be_acknowledged()
    {
        var requestTopic = Broker.UniqueTopic("rr-in-reader");
        var trigger = Broker.UniqueTopic("rr-read");
        await using var responder = await StartResponderAsync(requestTopic, request => "re:" + request);
        await using var requester = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await requester.SubscribeAsync(trigger, MqttQualityOfService.AtLeastOnce);
        using var stop = new CancellationTokenSource(Broker.Timeout);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = Task.Run(async () =>
        {
            await foreach (var message in requester.ReadMessagesAsync(stop.Token))
            {
                if (message.QualityOfService == MqttQualityOfService.AtMostOnce)
                {
                    reading.TrySetResult();
                    continue;
                }

                var reply = await requester.RequestAsync(requestTopic, message.Payload.ToArray(), Broker.Timeout, stop.Token);
                return Encoding.UTF8.GetString(reply.Payload.Span);
            }

            return "";
        });

        // A first message shows the reader is there, so the QoS 1 one's acknowledgement waits for it.
        await requester.PublishAsync(trigger, "ready"u8.ToArray());
        await reading.Task.WaitAsync(Broker.Timeout);
        await requester.PublishAsync(trigger, "from-reader"u8.ToArray(), MqttQualityOfService.AtLeastOnce);

        Assert.Equal("re:from-reader", await answered.WaitAsync(Broker.Timeout));
    }

    private async Task<MqttClient> StartResponderAsync(string requestTopic, Func<string, string> answer)
    {
        var responder = await Broker.ConnectAsync(Broker.Options(fixture, Listener.Plain));
        await responder.SubscribeAsync(requestTopic, MqttQualityOfService.AtLeastOnce, (request, handlerToken) =>
        {
            // Not awaited: a handler awaiting a QoS 1 publish can stall the incoming queue (MqttClient.MessageHandler).
            _ = responder.RespondAsync(request, Encoding.UTF8.GetBytes(answer(Encoding.UTF8.GetString(request.Payload.Span))), CancellationToken.None).AsTask();
            return ValueTask.CompletedTask;
        });
        return responder;
    }
}
