using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Engine;

/// <summary>
/// The subscriptions the application made and the broker granted, as the SUBSCRIBE calls that made them (filters
/// with their options, subscription identifier, user properties). After a reconnect that finds no session on the
/// broker, each is sent again before queued messages flow. A later SUBSCRIBE of the same filter replaces the
/// earlier one, as it does on the broker [MQTT-3.8.4-3]; UNSUBSCRIBE removes it. With a <paramref name="store"/>
/// every change is written to it, so a client created over the store after a crash makes them again on a new session.
/// </summary>
internal sealed class SubscriptionRegistry(IMqttSessionStore? store = null, string clientId = "")
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
    public ValueTask AddAsync(IReadOnlyList<MqttSubscription> granted, uint? subscriptionIdentifier, IReadOnlyList<MqttUserProperty> userProperties)
    {
        if (granted.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        lock (_lock)
        {
            RemoveFilters(granted.Select(s => s.TopicFilter));
            _entries.Add(new Entry([.. granted], subscriptionIdentifier, userProperties));
            return SaveAsync();
        }
    }

    public ValueTask RemoveAsync(IEnumerable<string> topicFilters)
    {
        lock (_lock)
        {
            RemoveFilters(topicFilters);
            return SaveAsync();
        }
    }

    /// <summary>Adopts the subscriptions a durable store kept; nothing is sent until a connection finds no session.</summary>
    public void Restore(IReadOnlyList<MqttStoredSubscription> stored)
    {
        lock (_lock)
        {
            foreach (var s in stored)
            {
                RemoveFilters(s.Subscriptions.Select(f => f.TopicFilter));
                _entries.Add(new Entry([.. s.Subscriptions], s.SubscriptionIdentifier, s.UserProperties));
            }
        }
    }

    // Called under the lock, so the snapshots reach the store in the order of the changes (a store starts the write
    // when called; the caller awaits it outside the lock).
    private ValueTask SaveAsync() => store is null
        ? ValueTask.CompletedTask
        : store.SaveSubscriptionsAsync(clientId, [.. _entries.Select(e => new MqttStoredSubscription([.. e.Subscriptions], e.SubscriptionIdentifier, e.UserProperties))]);

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
