namespace SecureMqtt.Session;

/// <summary>
/// Keeps session state in memory: it survives reconnects of the process, not restarts. Share one instance
/// between client instances (same client id) to resume a session after a new <see cref="MqttClient"/> connects.
/// </summary>
public sealed class MqttInMemorySessionStore : IMqttSessionStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MqttOutgoingFlight>> LoadOutgoingAsync(string clientId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<MqttOutgoingFlight> flights = _sessions.TryGetValue(clientId, out var e) ? [.. e.Outgoing.Values] : [];
            return ValueTask.FromResult(flights);
        }
    }

    /// <inheritdoc />
    public ValueTask SaveOutgoingAsync(string clientId, MqttOutgoingFlight flight, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flight);
        lock (_lock)
        {
            // OrderedDictionary keeps the first-insert position when a key is overwritten: retransmission order.
            Get(clientId).Outgoing[flight.PacketId] = flight;
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
        public OrderedDictionary<ushort, MqttOutgoingFlight> Outgoing { get; } = [];

        public HashSet<ushort> Incoming { get; } = [];
    }
}
