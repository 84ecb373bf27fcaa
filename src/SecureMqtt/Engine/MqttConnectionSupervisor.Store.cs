using SecureMqtt.Session;

namespace SecureMqtt.Engine;

/// <summary>
/// What a durable session store adds beyond the flights: the offline queue and the subscriptions of a process that
/// died are taken over before the first connect, and each connection's facts are recorded. The queue and the
/// subscriptions are kept under the configured client id, so only with a fixed one: a broker-assigned id changes
/// per process unless the store gives it back, which it does (the assigned id is one of the facts).
/// </summary>
internal sealed partial class MqttConnectionSupervisor
{
    private bool _restored;
    private MqttStoredSession? _savedFacts;

    /// <summary>The application's store when the queue and subscriptions can be kept in it (a fixed client id).</summary>
    private IMqttSessionStore? DurableStore => Options.ClientId.Length > 0 ? Options.SessionStore : null;

    /// <summary>
    /// Once, before the first connect: messages a previous process accepted and had not sent yet go first in the
    /// queue (before anything this process publishes), its subscriptions are known again (made again if the broker
    /// has no session), and a broker-assigned client id is reused so the broker's session can resume.
    /// </summary>
    private async ValueTask RestoreFromStoreAsync(CancellationToken cancellationToken)
    {
        if (_restored || Options.SessionStore is not { } store)
        {
            return;
        }

        if (DurableStore is { } durable)
        {
            var queued = await durable.LoadQueuedAsync(Options.ClientId, cancellationToken).ConfigureAwait(false);
            var subscriptions = await durable.LoadSubscriptionsAsync(Options.ClientId, cancellationToken).ConfigureAwait(false);
            Queue.Restore(queued);
            Subscriptions.Restore(subscriptions);
            if (queued.Count + subscriptions.Count > 0)
            {
                Log.RestoredFromStore(Logger, queued.Count, subscriptions.Count);
            }
        }

        _savedFacts = await store.LoadSessionAsync(Options.ClientId, cancellationToken).ConfigureAwait(false);
        if (Options.ClientId.Length == 0 && _savedFacts?.AssignedClientIdentifier is { Length: > 0 } assigned)
        {
            _assignedClientId ??= assigned;
        }

        _restored = true;
    }

    /// <summary>Records what this connection established when it changed; a failure is logged, the connection stands.</summary>
    private async ValueTask SaveSessionFactsAsync(MqttConnectResult result)
    {
        if (Options.SessionStore is not { } store)
        {
            return;
        }

        var facts = new MqttStoredSession(result.AssignedClientIdentifier ?? _assignedClientId, result.SessionExpiry ?? Options.SessionExpiry);
        if (facts == _savedFacts)
        {
            return;
        }

        try
        {
            await store.SaveSessionAsync(Options.ClientId, facts, CancellationToken.None).ConfigureAwait(false);
            _savedFacts = facts;
        }
        catch (MqttSessionStoreException ex)
        {
            Log.SessionFactsNotSaved(Logger, ex.Message);
        }
    }
}
