namespace SecureMqtt.Session;

/// <summary>
/// Keeps session state in memory: it survives reconnects of the process, not restarts. Share one instance
/// between client instances (same client id) to resume a session after a new <see cref="MqttClient"/> connects.
/// </summary>
public sealed class MqttInMemorySessionStore : IMqttSessionStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private long _nextSequence;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MqttOutgoingFlight>> LoadOutgoingAsync(string clientId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(clientId, out var e) || e.Outgoing.Count == 0)
            {
                return ValueTask.FromResult<IReadOnlyList<MqttOutgoingFlight>>([]);
            }

            // Loading happens once per resumed connection; sorting here keeps save and remove O(1) on the hot path.
            var ordered = e.Outgoing.Values.ToArray();
            Array.Sort(ordered, static (a, b) => a.Sequence.CompareTo(b.Sequence));
            var flights = new MqttOutgoingFlight[ordered.Length];
            for (var i = 0; i < ordered.Length; i++)
            {
                flights[i] = ordered[i].Flight;
            }

            return ValueTask.FromResult<IReadOnlyList<MqttOutgoingFlight>>(flights);
        }
    }

    /// <inheritdoc />
    public ValueTask SaveOutgoingAsync(string clientId, MqttOutgoingFlight flight, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flight);
        lock (_lock)
        {
            // An update (PUBREC moved a flight on) keeps the flight's first position: retransmission order
            // follows the order the application published in [MQTT-4.6.0-1].
            var outgoing = Get(clientId).Outgoing;
            var sequence = outgoing.TryGetValue(flight.PacketId, out var existing) ? existing.Sequence : ++_nextSequence;
            outgoing[flight.PacketId] = new OrderedFlight(sequence, flight);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveOutgoingAsync(string clientId, ushort packetId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_sessions.TryGetValue(clientId, out var e))
            {
                e.Outgoing.Remove(packetId);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<ushort>> LoadIncomingAsync(string clientId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyCollection<ushort> ids = _sessions.TryGetValue(clientId, out var e) ? [.. e.Incoming] : [];
            return ValueTask.FromResult(ids);
        }
    }

    /// <inheritdoc />
    public ValueTask AddIncomingAsync(string clientId, ushort packetId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            Get(clientId).Incoming.Add(packetId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveIncomingAsync(string clientId, ushort packetId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_sessions.TryGetValue(clientId, out var e))
            {
                e.Incoming.Remove(packetId);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask ClearAsync(string clientId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _sessions.Remove(clientId);
        }

        return ValueTask.CompletedTask;
    }

    private Entry Get(string clientId)
    {
        if (!_sessions.TryGetValue(clientId, out var e))
        {
            e = new Entry();
            _sessions[clientId] = e;
        }

        return e;
    }

    private sealed class Entry
    {
        // A plain dictionary with a sequence number, not OrderedDictionary: its Remove shifts every later entry,
        // and acks remove the oldest flight first, which made thousands of flights in flight cost O(n^2).
        public Dictionary<ushort, OrderedFlight> Outgoing { get; } = [];

        public HashSet<ushort> Incoming { get; } = [];
    }

    private readonly record struct OrderedFlight(long Sequence, MqttOutgoingFlight Flight);
}
