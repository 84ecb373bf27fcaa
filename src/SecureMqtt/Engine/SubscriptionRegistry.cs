using SecureMqtt.Packets;

namespace SecureMqtt.Engine;

/// <summary>
/// The subscriptions the application made and the broker granted, as the SUBSCRIBE calls that made them (filters
/// with their options, subscription identifier, user properties). After a reconnect that finds no session on the
/// broker, each is sent again before queued messages flow. A later SUBSCRIBE of the same filter replaces the
/// earlier one, as it does on the broker [MQTT-3.8.4-3]; UNSUBSCRIBE removes it.
/// </summary>
internal sealed class SubscriptionRegistry
{
    private readonly Lock _lock = new();
    private readonly List<Entry> _entries = [];

    public int FilterCount
    {
        get
        {
            lock (_lock)
            {
                return _entries.Sum(e => e.Subscriptions.Count);
            }
        }
    }

    /// <summary>Records the granted filters of one SUBSCRIBE.</summary>
    public void Add(IReadOnlyList<MqttSubscription> granted, uint? subscriptionIdentifier, IReadOnlyList<MqttUserProperty> userProperties)
    {
        if (granted.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            RemoveFilters(granted.Select(s => s.TopicFilter));
            _entries.Add(new Entry([.. granted], subscriptionIdentifier, userProperties));
        }
    }

    public void Remove(IEnumerable<string> topicFilters)
    {
        lock (_lock)
        {
            RemoveFilters(topicFilters);
        }
    }

    /// <summary>The SUBSCRIBE packets to send again, in the order they were first made.</summary>
    public IReadOnlyList<(IReadOnlyList<MqttSubscription> Subscriptions, uint? SubscriptionIdentifier, IReadOnlyList<MqttUserProperty> UserProperties)> Snapshot()
    {
        lock (_lock)
        {
            return [.. _entries.Select(e => ((IReadOnlyList<MqttSubscription>)[.. e.Subscriptions], e.SubscriptionIdentifier, e.UserProperties))];
        }
    }

    private void RemoveFilters(IEnumerable<string> topicFilters)
    {
        var set = topicFilters.ToHashSet(StringComparer.Ordinal);
        foreach (var entry in _entries)
        {
            entry.Subscriptions.RemoveAll(s => set.Contains(s.TopicFilter));
        }

        _entries.RemoveAll(e => e.Subscriptions.Count == 0);
    }

    private sealed record Entry(List<MqttSubscription> Subscriptions, uint? SubscriptionIdentifier, IReadOnlyList<MqttUserProperty> UserProperties);
}
