using System.Collections.Concurrent;
using System.Security.Cryptography;
using SecureMqtt.Packets;

namespace SecureMqtt.Engine;

/// <summary>
/// MQTT 5 request/response (section 4.10): one response topic per client, subscribed once on the first request,
/// and the pending requests keyed by their Correlation Data, which is what matches a reply to its request.
/// </summary>
internal sealed partial class MqttConnectionSupervisor
{
    /// <summary>The prefix of the response topic when the broker gives no Response Information.</summary>
    internal const string DefaultResponseTopicPrefix = "smqtt/response";

    private readonly SemaphoreSlim _responseSubscribeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<MqttMessage>> _pendingRequests = new(StringComparer.Ordinal);
    private volatile string? _responseTopic;

    /// <summary>The response topic in use, or null before the first request.</summary>
    public string? ResponseTopic => _responseTopic;

    public async Task<MqttMessage> RequestAsync(MqttMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        if (Options.ProtocolVersion != MqttProtocolVersion.V500)
        {
            throw new InvalidOperationException("Request/response needs MQTT 5: Response Topic and Correlation Data are MQTT 5 properties (ProtocolVersion is V311).");
        }

        if (request.ResponseTopic is not null || request.CorrelationData is not null)
        {
            throw new ArgumentException("RequestAsync sets the Response Topic and Correlation Data itself; leave them unset (or publish and subscribe yourself).", nameof(request));
        }

        var correlation = RandomNumberGenerator.GetBytes(16);
        var key = Convert.ToHexString(correlation);
        var reply = new TaskCompletionSource<MqttMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingRequests[key] = reply;
        using var deadline = new CancellationTokenSource(timeout, Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var responseTopic = await EnsureResponseSubscriptionAsync(linked.Token).ConfigureAwait(false);
            await PublishAsync(request with { ResponseTopic = responseTopic, CorrelationData = correlation }, linked.Token).ConfigureAwait(false);
            return await reply.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new MqttTimeoutException($"No response to the request on '{request.Topic}' within {timeout.TotalSeconds:0.###}s.", ex);
        }
        finally
        {
            _pendingRequests.TryRemove(key, out _);
        }
    }

    public ValueTask<MqttPublishResult> RespondAsync(MqttMessage request, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var topic = request.ResponseTopic
            ?? throw new ArgumentException("The request has no Response Topic, so there is nowhere to respond to.", nameof(request));

        // MQTT 5.0 section 4.10.2: the responder sends the Correlation Data back unchanged, so the requester can match it.
        return PublishAsync(new MqttMessage
        {
            Topic = topic,
            Payload = payload,
            QualityOfService = request.QualityOfService,
            CorrelationData = request.CorrelationData,
        }, cancellationToken);
    }

    /// <summary>
    /// Subscribes to this client's response topic the first time it is needed: under the broker's Response
    /// Information when CONNACK carried one (4.10.1), else under <see cref="DefaultResponseTopicPrefix"/>, followed
    /// by the client id. The registry makes the subscription again after a reconnect that loses the session.
    /// </summary>
    private async ValueTask<string> EnsureResponseSubscriptionAsync(CancellationToken cancellationToken)
    {
        if (_responseTopic is { } known)
        {
            return known;
        }

        await _responseSubscribeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_responseTopic is { } raced)
            {
                return raced;
            }

            await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
            var information = ConnectResult?.ResponseInformation;
            var prefix = string.IsNullOrEmpty(information) ? DefaultResponseTopicPrefix : information.TrimEnd('/');

            // A client id may hold characters a topic level may not ('+', '#', '/'): those become '_'.
            var level = string.Create(ClientId.Length, ClientId, static (span, id) =>
            {
                for (var i = 0; i < id.Length; i++)
                {
                    span[i] = id[i] is '+' or '#' or '/' ? '_' : id[i];
                }
            });
            var topic = level.Length == 0 ? prefix : $"{prefix}/{level}";
            var result = await SubscribeAsync([new MqttSubscription(topic, MqttQualityOfService.ExactlyOnce)], OnResponseAsync, null, null, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"The broker refused the subscription to the response topic '{topic}': {result.Items[0].ReasonCode}.");
            }

            Log.ResponseSubscribed(Logger, topic);
            _responseTopic = topic;
            return topic;
        }
        finally
        {
            _responseSubscribeLock.Release();
        }
    }

    /// <summary>
    /// Called by the read loop for every received message, before it is queued: a reply to a pending request completes
    /// that request at once rather than when the dispatch loop gets to it, so a handler (or ReadMessagesAsync reader)
    /// that awaits a request of its own is not waiting for a message queued behind itself. The message still goes
    /// through the queue for its acknowledgement, in order, without running handlers. A pooled message is copied:
    /// the requester keeps the reply, and the pooled one goes back once acknowledged.
    /// </summary>
    internal bool TryAnswerRequest(MqttMessage message)
    {
        // Cheapest test first: this runs for every message, and ConcurrentDictionary.IsEmpty takes all its locks.
        if (_responseTopic is not { } responseTopic || !string.Equals(message.Topic, responseTopic, StringComparison.Ordinal)
            || message.CorrelationData is not { } data || !_pendingRequests.TryRemove(Convert.ToHexString(data.Span), out var reply))
        {
            return false;
        }

        reply.TrySetResult(Options.PoolIncomingMessages
            ? message with { Payload = message.Payload.ToArray(), CorrelationData = data.ToArray() }
            : message);
        return true;
    }

    private ValueTask OnResponseAsync(MqttMessage response, CancellationToken cancellationToken)
    {
        if (response.CorrelationData is { } data && _pendingRequests.TryRemove(Convert.ToHexString(data.Span), out var reply))
        {
            reply.TrySetResult(response);
        }
        else
        {
            Log.UnmatchedResponse(Logger, response.Topic);
        }

        return ValueTask.CompletedTask;
    }
}
