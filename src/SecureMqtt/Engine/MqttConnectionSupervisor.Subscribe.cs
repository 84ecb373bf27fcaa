using SecureMqtt.Packets;

namespace SecureMqtt.Engine;

internal sealed partial class MqttConnectionSupervisor
{
    private readonly Lock _handlersLock = new();
    private SubscriptionHandler[] _handlers = [];

    public async Task<MqttSubscribeResult> SubscribeAsync(IReadOnlyList<MqttSubscription> subscriptions,
        Func<MqttMessage, CancellationToken, ValueTask>? handler, uint? subscriptionIdentifier,
        IReadOnlyList<MqttUserProperty>? userProperties, CancellationToken cancellationToken)
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

        ObjectDisposedException.ThrowIf(IsDisposed, _client);
        if (_current is { IsAlive: true } live)
        {
            RequireV5ForUserProperties(live, userProperties, nameof(userProperties));
        }

        var connection = await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
        RequireV5ForUserProperties(connection, userProperties, nameof(userProperties));
        var added = handler is null ? [] : subscriptions.Select(s => new SubscriptionHandler(s.TopicFilter, handler)).ToArray();
        AddHandlers(added);
        try
        {
            var subAck = await SendSubscribeAsync(connection, subscriptions, subscriptionIdentifier, userProperties ?? [], cancellationToken).ConfigureAwait(false);
            var items = subscriptions.Select((s, i) => new MqttSubscribeResultItem(s.TopicFilter, subAck.ReasonCodes[i])).ToArray();
            RemoveHandlers(added.Where((_, i) => !items[i].IsSuccess));
            await Subscriptions.AddAsync([.. subscriptions.Where((_, i) => items[i].IsSuccess)], subscriptionIdentifier, userProperties ?? []).ConfigureAwait(false);
            return new MqttSubscribeResult { PacketId = subAck.PacketId, Items = items, ReasonString = subAck.ReasonString, UserProperties = subAck.UserProperties };
        }
        catch
        {
            RemoveHandlers(added);
            throw;
        }
    }

    public async Task<MqttUnsubscribeResult> UnsubscribeAsync(IReadOnlyList<string> topicFilters, IReadOnlyList<MqttUserProperty>? userProperties, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        if (topicFilters.Count == 0)
        {
            throw new ArgumentException("At least one topic filter is needed [MQTT-3.10.3-2].", nameof(topicFilters));
        }

        ObjectDisposedException.ThrowIf(IsDisposed, _client);
        if (_current is { IsAlive: true } live)
        {
            RequireV5ForUserProperties(live, userProperties, nameof(userProperties));
        }

        var connection = await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
        RequireV5ForUserProperties(connection, userProperties, nameof(userProperties));
        var packetId = Session.BeginRequest(out var completion);
        var packet = new MqttUnsubscribePacket { PacketId = packetId, TopicFilters = topicFilters, UserProperties = userProperties ?? [] };
        var response = await SendRequestAsync(connection, packet, packetId, completion, cancellationToken).ConfigureAwait(false);
        if (response is not MqttUnsubAckPacket unsubAck)
        {
            var violation = new MqttProtocolException(MqttReasonCode.ProtocolError, "UNSUBSCRIBE was answered with another packet type", "MQTT-3.10.4-4");
            await connection.ProtocolViolationAsync(violation).ConfigureAwait(false);
            throw violation;
        }

        await Subscriptions.RemoveAsync(topicFilters).ConfigureAwait(false);
        lock (_handlersLock)
        {
            _handlers = [.. _handlers.Where(h => !topicFilters.Contains(h.Filter, StringComparer.Ordinal))];
        }

        var items = topicFilters.Select((f, i) => new MqttUnsubscribeResultItem(f, i < unsubAck.ReasonCodes.Count ? unsubAck.ReasonCodes[i] : MqttReasonCode.Success)).ToArray();
        return new MqttUnsubscribeResult { Items = items, ReasonString = unsubAck.ReasonString, UserProperties = unsubAck.UserProperties };
    }

    /// <summary>
    /// After a CONNACK without a session: every subscription the application holds is made again, before any queued
    /// message flows (so replies to them are not missed). A filter the broker now refuses is logged and dropped.
    /// </summary>
    private async Task<int> ResubscribeAsync(MqttProtocolConnection connection, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var (subscriptions, identifier, userProperties) in Subscriptions.Snapshot())
        {
            var subAck = await SendSubscribeAsync(connection, subscriptions, identifier, connection.Version == MqttProtocolVersion.V500 ? userProperties : [], cancellationToken).ConfigureAwait(false);
            var refused = subscriptions.Where((_, i) => (byte)subAck.ReasonCodes[i] >= 0x80).ToArray();
            foreach (var s in refused)
            {
                Log.ResubscribeRefused(Logger, s.TopicFilter, subAck.ReasonCodes[subscriptions.ToList().IndexOf(s)]);
            }

            await Subscriptions.RemoveAsync(refused.Select(s => s.TopicFilter)).ConfigureAwait(false);
            count += subscriptions.Count;
        }

        return count;
    }

    private async Task<MqttSubAckPacket> SendSubscribeAsync(MqttProtocolConnection connection, IReadOnlyList<MqttSubscription> subscriptions, uint? subscriptionIdentifier,
        IReadOnlyList<MqttUserProperty> userProperties, CancellationToken cancellationToken)
    {
        var packetId = Session.BeginRequest(out var completion);
        var packet = new MqttSubscribePacket { PacketId = packetId, Subscriptions = subscriptions, SubscriptionIdentifier = subscriptionIdentifier, UserProperties = userProperties };
        var response = await SendRequestAsync(connection, packet, packetId, completion, cancellationToken).ConfigureAwait(false);
        if (response is not MqttSubAckPacket subAck || subAck.ReasonCodes.Count != subscriptions.Count)
        {
            var violation = new MqttProtocolException(MqttReasonCode.ProtocolError, "SUBACK does not carry one reason code per subscribed filter", "MQTT-3.9.3-1");
            await connection.ProtocolViolationAsync(violation).ConfigureAwait(false);
            throw violation;
        }

        return subAck;
    }

    private async Task<MqttPacket> SendRequestAsync(MqttProtocolConnection connection, MqttPacket packet, ushort packetId, Task<MqttPacket> completion, CancellationToken cancellationToken)
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
                    PacketTrace.SentSubscribe(Logger, subscribe);
                    break;
                case MqttUnsubscribePacket unsubscribe:
                    PacketTrace.SentUnsubscribe(Logger, unsubscribe);
                    break;
            }

            await connection.WritePacketAsync(packet, cancellationToken).ConfigureAwait(false);
            return await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Session.CancelRequest(packetId);
            throw;
        }
    }

    /// <summary>MQTT 3.1.1 packets have no properties: refuse rather than drop them silently.</summary>
    internal static void RequireV5ForUserProperties(MqttProtocolConnection connection, IReadOnlyList<MqttUserProperty>? userProperties, string parameterName)
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
