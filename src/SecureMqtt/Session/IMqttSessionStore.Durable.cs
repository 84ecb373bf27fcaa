using SecureMqtt.Packets;

namespace SecureMqtt.Session;

/// <content>
/// What a durable store keeps beyond the flights, so a client created over it after its process died resumes
/// where that process stopped. Every member has a default that keeps nothing (the in-memory store and stores
/// written before these members existed keep compiling and behave as before).
/// </content>
public partial interface IMqttSessionStore
{
    /// <summary>The messages published while offline and not yet sent, in <see cref="MqttQueuedMessage.Sequence"/> order.</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The queued messages, oldest first.</returns>
    ValueTask<IReadOnlyList<MqttQueuedMessage>> LoadQueuedAsync(string clientId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<MqttQueuedMessage>>([]);

    /// <summary>Adds a QoS 1/2 message to the offline queue; its publish is accepted once this completes.</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="sequence">Its place in the queue (unique per client id; lower goes first).</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <returns>A task that completes when the message is stored.</returns>
    ValueTask SaveQueuedAsync(string clientId, long sequence, MqttMessage message, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>Removes a queued message (its publisher cancelled, or the broker refused it).</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="sequence">The message's sequence.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the removal is recorded.</returns>
    ValueTask RemoveQueuedAsync(string clientId, long sequence, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// A queued message is being sent: its queue entry becomes an outgoing flight. A durable store does both in one
    /// transaction, so a crash leaves either the queued message or the flight, never both (sent twice) or neither (lost).
    /// </summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="sequence">The queued message's sequence.</param>
    /// <param name="flight">The flight it becomes.</param>
    /// <param name="cancellationToken">Cancels the move.</param>
    /// <returns>A task that completes when the flight is stored.</returns>
    async ValueTask MoveQueuedToOutgoingAsync(string clientId, long sequence, MqttOutgoingFlight flight, CancellationToken cancellationToken = default)
    {
        await SaveOutgoingAsync(clientId, flight, cancellationToken).ConfigureAwait(false);
        await RemoveQueuedAsync(clientId, sequence, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The broker kept no session: the outgoing flights it never acknowledged become queued messages ahead of the
    /// queue (to be published again as new), the other flights and the incoming ids are forgotten. A durable store
    /// does this in one transaction. Returns the requeued messages in order, each with the packet id of its flight.
    /// </summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The requeued messages, oldest first.</returns>
    async ValueTask<IReadOnlyList<MqttQueuedMessage>> RequeueOutgoingAsync(string clientId, CancellationToken cancellationToken = default)
    {
        // Not atomic: a crash between the saves and the clear leaves both (published twice), never neither.
        var flights = await LoadOutgoingAsync(clientId, cancellationToken).ConfigureAwait(false);
        var queued = await LoadQueuedAsync(clientId, cancellationToken).ConfigureAwait(false);
        var next = (queued.Count > 0 ? queued[0].Sequence : 1) - flights.Count;
        List<MqttQueuedMessage> requeued = [];
        foreach (var flight in flights)
        {
            // Past PUBREC too: a broker may hold a QoS 2 message until PUBREL before delivering it (Mosquitto does),
            // so one that forgot the session may never have delivered it.
            var sequence = next++;
            await SaveQueuedAsync(clientId, sequence, flight.Message, cancellationToken).ConfigureAwait(false);
            requeued.Add(new MqttQueuedMessage(sequence, flight.Message) { PacketId = flight.PacketId });
        }

        await ClearAsync(clientId, cancellationToken).ConfigureAwait(false);
        return requeued;
    }

    /// <summary>The subscriptions the application made, as the SUBSCRIBE calls that made them, in order.</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The subscriptions.</returns>
    ValueTask<IReadOnlyList<MqttStoredSubscription>> LoadSubscriptionsAsync(string clientId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<MqttStoredSubscription>>([]);

    /// <summary>Replaces the stored subscriptions of <paramref name="clientId"/> with <paramref name="subscriptions"/>.</summary>
    /// <param name="clientId">The client identifier.</param>
    /// <param name="subscriptions">All current subscriptions, in order.</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <returns>A task that completes when they are stored.</returns>
    ValueTask SaveSubscriptionsAsync(string clientId, IReadOnlyList<MqttStoredSubscription> subscriptions, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;

    /// <summary>What the last connection of <paramref name="clientId"/> established, or null when nothing is stored.</summary>
    /// <param name="clientId">The client identifier the application configured (empty when the broker assigns one).</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The stored facts, or null.</returns>
    ValueTask<MqttStoredSession?> LoadSessionAsync(string clientId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<MqttStoredSession?>(null);

    /// <summary>Records what a connection established (assigned client id, session expiry).</summary>
    /// <param name="clientId">The client identifier the application configured.</param>
    /// <param name="session">The facts.</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <returns>A task that completes when they are stored.</returns>
    ValueTask SaveSessionAsync(string clientId, MqttStoredSession session, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

/// <summary>A message in the offline queue of a durable store.</summary>
/// <param name="Sequence">Its place in the queue: lower goes first.</param>
/// <param name="Message">The message.</param>
public sealed record MqttQueuedMessage(long Sequence, MqttMessage Message)
{
    /// <summary>When the message was requeued from a flight the broker forgot: that flight's packet id.</summary>
    public ushort? PacketId { get; init; }
}

/// <summary>One SUBSCRIBE the application made, as a store keeps it to make it again on a new session.</summary>
/// <param name="Subscriptions">The granted filters with their options.</param>
/// <param name="SubscriptionIdentifier">The MQTT 5 subscription identifier, if any.</param>
/// <param name="UserProperties">The MQTT 5 user properties of the SUBSCRIBE.</param>
public sealed record MqttStoredSubscription(IReadOnlyList<MqttSubscription> Subscriptions, uint? SubscriptionIdentifier, IReadOnlyList<MqttUserProperty> UserProperties);

/// <summary>What the last connection established, kept so a restarted client resumes the same session.</summary>
/// <param name="AssignedClientIdentifier">The client identifier the broker assigned, if it did.</param>
/// <param name="SessionExpiry">The session expiry in force (MQTT 5), zero when the session ends with the connection.</param>
public sealed record MqttStoredSession(string? AssignedClientIdentifier, TimeSpan SessionExpiry);
