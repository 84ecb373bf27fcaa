using SecureMqtt.Packets;

namespace SecureMqtt;

public sealed partial class MqttClient
{
    private readonly Lock _handlersLock = new();
    private SubscriptionHandler[] _handlers = [];

    /// <summary>Subscribes to one topic filter.</summary>
    /// <param name="topicFilter">The topic filter (wildcards allowed).</param>
    /// <param name="maximumQoS">The highest QoS to receive with.</param>
    /// <param name="handler">Receives the messages matching this filter; null sends them to <see cref="MessageHandler"/> or <see cref="ReadMessagesAsync"/>.</param>
    /// <param name="cancellationToken">Stops waiting for SUBACK.</param>
    /// <returns>The broker's answer.</returns>
    public Task<MqttSubscribeResult> SubscribeAsync(string topicFilter, MqttQualityOfService maximumQoS = MqttQualityOfService.AtMostOnce,
        Func<MqttMessage, CancellationToken, ValueTask>? handler = null, CancellationToken cancellationToken = default) =>
        SubscribeAsync([new MqttSubscription(topicFilter, maximumQoS)], handler, null, null, cancellationToken);

    /// <summary>
    /// Subscribes to topic filters with their options (maximum QoS, no local, retain as published, retain
    /// handling) and completes with one reason code per filter.
    /// </summary>
    /// <param name="subscriptions">The filters and options.</param>
    /// <param name="handler">Receives the messages matching these filters (registered before SUBSCRIBE is sent, so
    /// retained messages reach it too); null sends them to <see cref="MessageHandler"/> or <see cref="ReadMessagesAsync"/>.</param>
    /// <param name="subscriptionIdentifier">MQTT 5 subscription identifier (1..268435455) the broker reports on matching messages.</param>
    /// <param name="userProperties">MQTT 5 user properties of the SUBSCRIBE packet, in order.</param>
    /// <param name="cancellationToken">Stops waiting for SUBACK.</param>
    /// <returns>The broker's answer per filter.</returns>
    /// <exception cref="ArgumentException">A filter is not a valid topic filter, or user properties are given on an MQTT 3.1.1 connection.</exception>
    public async Task<MqttSubscribeResult> SubscribeAsync(IReadOnlyList<MqttSubscription> subscriptions,
        Func<MqttMessage, CancellationToken, ValueTask>? handler = null, uint? subscriptionIdentifier = null,
        IReadOnlyList<MqttUserProperty>? userProperties = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        if (subscriptions.Count == 0)
        {
            throw new ArgumentException("At least one subscription is needed [MQTT-3.8.3-3].", nameof(subscriptions));
        }

        foreach (var s in subscriptions)
        {
            if (!MqttTopic.IsValidTopicFilter(s.TopicFilter, out var error))
            {
                throw new ArgumentException($"Invalid topic filter '{s.TopicFilter}': {error}", nameof(subscriptions));
            }
        }

        if (subscriptionIdentifier is 0 or > 268_435_455)
        {
            throw new ArgumentOutOfRangeException(nameof(subscriptionIdentifier), "A subscription identifier is 1..268435455 [MQTT 3.8.2.1.2].");
        }

        var connection = RequireConnection();
        RequireV5ForUserProperties(connection, userProperties, nameof(userProperties));
        var added = handler is null ? [] : subscriptions.Select(s => new SubscriptionHandler(s.TopicFilter, handler)).ToArray();
        AddHandlers(added);
        try
        {
            var packetId = _session.BeginRequest(out var completion);
            var packet = new MqttSubscribePacket { PacketId = packetId, Subscriptions = subscriptions, SubscriptionIdentifier = subscriptionIdentifier, UserProperties = userProperties ?? [] };
            var response = await SendRequestAsync(connection, packet, packetId, completion, cancellationToken).ConfigureAwait(false);
            if (response is not MqttSubAckPacket subAck || subAck.ReasonCodes.Count != subscriptions.Count)
            {
                var violation = new MqttProtocolException(MqttReasonCode.ProtocolError, "SUBACK does not carry one reason code per subscribed filter", "MQTT-3.9.3-1");
                await ProtocolViolationAsync(connection, violation).ConfigureAwait(false);
                throw violation;
            }

            var items = subscriptions.Select((s, i) => new MqttSubscribeResultItem(s.TopicFilter, subAck.ReasonCodes[i])).ToArray();
            RemoveHandlers(added.Where((_, i) => !items[i].IsSuccess));
            return new MqttSubscribeResult { PacketId = subAck.PacketId, Items = items, ReasonString = subAck.ReasonString, UserProperties = subAck.UserProperties };
        }
        catch
        {
            RemoveHandlers(added);
            throw;
        }
    }

    /// <summary>Unsubscribes from one topic filter and drops its handlers.</summary>
    /// <param name="topicFilter">The filter exactly as subscribed.</param>
    /// <param name="cancellationToken">Stops waiting for UNSUBACK.</param>
    /// <returns>The broker's answer.</returns>
    public Task<MqttUnsubscribeResult> UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken = default) =>
        UnsubscribeAsync([topicFilter], null, cancellationToken);

    /// <summary>Unsubscribes from topic filters and drops their handlers.</summary>
    /// <param name="topicFilters">The filters exactly as subscribed.</param>
    /// <param name="userProperties">MQTT 5 user properties of the UNSUBSCRIBE packet, in order.</param>
    /// <param name="cancellationToken">Stops waiting for UNSUBACK.</param>
    /// <returns>The broker's answer per filter (always Success under MQTT 3.1.1).</returns>
    /// <exception cref="ArgumentException">No filter, or user properties are given on an MQTT 3.1.1 connection.</exception>
    public async Task<MqttUnsubscribeResult> UnsubscribeAsync(IReadOnlyList<string> topicFilters, IReadOnlyList<MqttUserProperty>? userProperties = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        if (topicFilters.Count == 0)
        {
            throw new ArgumentException("At least one topic filter is needed [MQTT-3.10.3-2].", nameof(topicFilters));
        }

        var connection = RequireConnection();
        RequireV5ForUserProperties(connection, userProperties, nameof(userProperties));
        var packetId = _session.BeginRequest(out var completion);
        var packet = new MqttUnsubscribePacket { PacketId = packetId, TopicFilters = topicFilters, UserProperties = userProperties ?? [] };
        var response = await SendRequestAsync(connection, packet, packetId, completion, cancellationToken).ConfigureAwait(false);
        if (response is not MqttUnsubAckPacket unsubAck)
        {
            var violation = new MqttProtocolException(MqttReasonCode.ProtocolError, "UNSUBSCRIBE was answered with another packet type", "MQTT-3.10.4-4");
            await ProtocolViolationAsync(connection, violation).ConfigureAwait(false);
            throw violation;
        }

        lock (_handlersLock)
        {
            _handlers = [.. _handlers.Where(h => !topicFilters.Contains(h.Filter, StringComparer.Ordinal))];
        }

        var items = topicFilters.Select((f, i) => new MqttUnsubscribeResultItem(f, i < unsubAck.ReasonCodes.Count ? unsubAck.ReasonCodes[i] : MqttReasonCode.Success)).ToArray();
        return new MqttUnsubscribeResult { Items = items, ReasonString = unsubAck.ReasonString, UserProperties = unsubAck.UserProperties };
    }

    private async Task<MqttPacket> SendRequestAsync(ClientConnection connection, MqttPacket packet, ushort packetId, Task<MqttPacket> completion, CancellationToken cancellationToken)
    {
        try
        {
            var size = MqttPacketWriter.GetSize(packet, connection.Version);
            if ((uint)size > connection.BrokerMaximumPacketSize)
            {
                throw new MqttProtocolException(MqttReasonCode.PacketTooLarge,
                    $"The {packet.Type} would be {size} bytes, more than the broker's Maximum Packet Size of {connection.BrokerMaximumPacketSize} bytes", "MQTT-3.1.2-24");
            }

            switch (packet)
            {
                case MqttSubscribePacket subscribe:
                    PacketTrace.SentSubscribe(_logger, subscribe);
                    break;
                case MqttUnsubscribePacket unsubscribe:
                    PacketTrace.SentUnsubscribe(_logger, unsubscribe);
                    break;
            }

            await WritePacketAsync(connection, packet, cancellationToken).ConfigureAwait(false);
            return await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _session.CancelRequest(packetId);
            throw;
        }
    }

    /// <summary>MQTT 3.1.1 packets have no properties: refuse rather than drop them silently.</summary>
    private static void RequireV5ForUserProperties(ClientConnection connection, IReadOnlyList<MqttUserProperty>? userProperties, string parameterName)
    {
        if (userProperties is { Count: > 0 } && connection.Version != MqttProtocolVersion.V500)
        {
            throw new ArgumentException("User properties are an MQTT 5 feature; this connection uses MQTT 3.1.1.", parameterName);
        }
    }

    private void AddHandlers(SubscriptionHandler[] added)
    {
        if (added.Length > 0)
        {
            lock (_handlersLock)
            {
                _handlers = [.. _handlers, .. added];
            }
        }
    }

    private void RemoveHandlers(IEnumerable<SubscriptionHandler> removed)
    {
        var set = removed.ToHashSet();
        if (set.Count > 0)
        {
            lock (_handlersLock)
            {
                _handlers = [.. _handlers.Where(h => !set.Contains(h))];
            }
        }
    }

    private sealed record SubscriptionHandler(string Filter, Func<MqttMessage, CancellationToken, ValueTask> Handler)
    {
        // Identity, not value equality: the same handler may be registered twice for the same filter.
        public bool Equals(SubscriptionHandler? other) => ReferenceEquals(this, other);

        public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
    }
}
