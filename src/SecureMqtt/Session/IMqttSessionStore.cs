namespace SecureMqtt.Session;

/// <summary>
/// Where the client keeps the QoS 1/2 state that must survive a reconnect (and, with a durable store, a
/// restart): outgoing messages not yet fully acknowledged, and incoming QoS 2 packet ids not yet released; a
/// durable store also keeps the offline queue, the subscriptions and the session's facts (the members with
/// default implementations, which keep nothing). Keyed by client id. Calls may come from several threads at
/// once: implementations are thread-safe.
/// </summary>
/// <remarks>
/// The client awaits <see cref="SaveOutgoingAsync"/> and <see cref="SaveQueuedAsync"/> before a publish is
/// accepted: a durable store completes them once the write is on disk. The removals and the incoming ids are
/// awaited on the connection's read loop: a store should complete them at once and apply them later, in order
/// with the other writes, so a slow disk does not stall the connection.
/// </remarks>
public partial interface IMqttSessionStore
{
    /// <summary>All outgoing flights of <paramref name="clientId"/>, in the order they were first saved.</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The outgoing flights.</returns>
    ValueTask<IReadOnlyList<MqttOutgoingFlight>> LoadOutgoingAsync(string clientId, CancellationToken cancellationToken = default);

    /// <summary>Adds a flight, or replaces the one with the same packet id (state change), keeping its order.</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="flight">The flight.</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <returns>A task that completes when the flight is stored.</returns>
    ValueTask SaveOutgoingAsync(string clientId, MqttOutgoingFlight flight, CancellationToken cancellationToken = default);

    /// <summary>Removes a completed flight.</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="packetId">The packet id of the flight.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the flight is removed.</returns>
    ValueTask RemoveOutgoingAsync(string clientId, ushort packetId, CancellationToken cancellationToken = default);

    /// <summary>Packet ids of incoming QoS 2 messages delivered to the application and awaiting PUBREL.</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The packet ids.</returns>
    ValueTask<IReadOnlyCollection<ushort>> LoadIncomingAsync(string clientId, CancellationToken cancellationToken = default);

    /// <summary>Records an incoming QoS 2 packet id (the message was delivered; duplicates must not be).</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="packetId">The packet id.</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <returns>A task that completes when the id is stored.</returns>
    ValueTask AddIncomingAsync(string clientId, ushort packetId, CancellationToken cancellationToken = default);

    /// <summary>Forgets an incoming QoS 2 packet id after PUBREL.</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="packetId">The packet id.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the id is removed.</returns>
    ValueTask RemoveIncomingAsync(string clientId, ushort packetId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets the broker-side session of <paramref name="clientId"/>: its outgoing flights and incoming ids (a
    /// clean start, or the broker had no session). The offline queue and the subscriptions stay.
    /// </summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the session is cleared.</returns>
    ValueTask ClearAsync(string clientId, CancellationToken cancellationToken = default);
}

/// <summary>Where an outgoing QoS 1/2 message stands in its acknowledgement flow.</summary>
public enum MqttOutgoingFlightState
{
    /// <summary>QoS 1 PUBLISH sent, PUBACK awaited.</summary>
    AwaitingPubAck,

    /// <summary>QoS 2 PUBLISH sent, PUBREC awaited.</summary>
    AwaitingPubRec,

    /// <summary>QoS 2 PUBREL sent, PUBCOMP awaited.</summary>
    AwaitingPubComp,
}

/// <summary>An outgoing QoS 1/2 message that is not yet fully acknowledged.</summary>
/// <remarks>
/// A store is given a flight when it is saved and must not use that object after <see cref="IMqttSessionStore.RemoveOutgoingAsync"/>
/// or a save with a new state for its packet id (copy what it needs to keep). The built-in in-memory store is the
/// one the client reuses flights with (one per pooled publish, so a QoS 1/2 publish allocates nothing).
/// </remarks>
public sealed record MqttOutgoingFlight
{
    // Explicit fields rather than positional properties so that a pooled publish can fill its flight again (see
    // PublishWaiter); from outside the properties stay init-only, as a positional record's.
    private ushort _packetId;
    private MqttMessage _message;
    private MqttOutgoingFlightState _state;

    /// <summary>An outgoing QoS 1/2 message that is not yet fully acknowledged.</summary>
    /// <param name="PacketId">Its packet identifier.</param>
    /// <param name="Message">The message (needed to retransmit the PUBLISH).</param>
    /// <param name="State">Where the flow stands.</param>
    // Parameters named as the positional record's were, so that callers' named arguments keep working.
    public MqttOutgoingFlight(ushort PacketId, MqttMessage Message, MqttOutgoingFlightState State)
    {
        _packetId = PacketId;
        _message = Message;
        _state = State;
    }

    /// <summary>Its packet identifier.</summary>
    public ushort PacketId { get => _packetId; init => _packetId = value; }

    /// <summary>The message (needed to retransmit the PUBLISH).</summary>
    public MqttMessage Message { get => _message; init => _message = value; }

    /// <summary>Where the flow stands.</summary>
    public MqttOutgoingFlightState State { get => _state; init => _state = value; }

    /// <summary>Splits the flight into its parts, as a positional record does.</summary>
    /// <param name="PacketId">Its packet identifier.</param>
    /// <param name="Message">The message.</param>
    /// <param name="State">Where the flow stands.</param>
    public void Deconstruct(out ushort PacketId, out MqttMessage Message, out MqttOutgoingFlightState State)
    {
        PacketId = _packetId;
        Message = _message;
        State = _state;
    }

    /// <summary>Fills a reused flight (see <see cref="PublishWaiter"/>).</summary>
    internal MqttOutgoingFlight Refill(ushort packetId, MqttMessage message, MqttOutgoingFlightState state)
    {
        _packetId = packetId;
        _message = message;
        _state = state;
        return this;
    }
}
