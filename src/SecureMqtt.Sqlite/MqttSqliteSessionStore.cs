using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Sqlite;

/// <summary>
/// A durable <see cref="IMqttSessionStore"/> in one SQLite file (WAL mode) per client: outgoing QoS 1/2 flights with
/// their packet ids and states, incoming QoS 2 ids awaiting PUBREL, the offline queue, the subscriptions and the
/// session's facts. A client created over the file after its process died resumes where that process stopped.
/// </summary>
/// <remarks>
/// One writer owns the file and applies every call in the order it was made. Saves of accepted messages complete once
/// their transaction is on disk (per <see cref="MqttStoreDurability"/>); removals and incoming ids complete at once and
/// are applied with the next batch, so a slow disk makes publishers wait, never the connection's read loop. The file is
/// held exclusively (an OS lock on <c>&lt;file&gt;.lock</c>) until <see cref="DisposeAsync"/>.
/// </remarks>
public sealed partial class MqttSqliteSessionStore : IMqttSessionStore, IAsyncDisposable
{
    private readonly MqttSqliteSessionStoreOptions _options;
    private readonly Channel<Operation> _operations = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Database _db;
    private readonly FileStream _lock;
    private readonly Task _writer;
    private volatile MqttSessionStoreException? _fault;

    private MqttSqliteSessionStore(MqttSqliteSessionStoreOptions options, FileStream fileLock, Database db)
    {
        _options = options;
        _lock = fileLock;
        _db = db;
        _writer = Task.Run(RunWriterAsync);
    }

    /// <summary>The database file.</summary>
    public string Path => _options.Path;

    /// <summary>
    /// Opens (or creates) the store. Fails with <see cref="MqttSessionStoreException"/> when another live client
    /// holds it, when it is not a session store, damaged, of a newer schema, or cannot be written.
    /// </summary>
    /// <param name="options">The file and the durability.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open store; dispose it after the client.</returns>
    public static Task<MqttSqliteSessionStore> OpenAsync(MqttSqliteSessionStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path);
        if (options.BatchDelay < TimeSpan.Zero || options.BatchDelay > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "BatchDelay is between zero and one second.");
        }

        if (options.MaximumBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaximumBatchSize is at least 1.");
        }

        var full = options with { Path = System.IO.Path.GetFullPath(options.Path) };

        // Opening reads the file and may create it: off the caller's thread, like any other I/O here.
        return Task.Run(() =>
        {
            var fileLock = Schema.AcquireLock(full.Path);
            try
            {
                var db = Schema.Open(full);
                return new MqttSqliteSessionStore(full, fileLock, db);
            }
            catch
            {
                fileLock.Dispose();
                throw;
            }
        }, cancellationToken);
    }

    /// <summary>Applies what is queued, then closes the file and releases its lock.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!_operations.Writer.TryComplete())
        {
            return;
        }

        await _writer.ConfigureAwait(false);
        _db.Dispose();
        await _lock.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MqttOutgoingFlight>> LoadOutgoingAsync(string clientId, CancellationToken cancellationToken = default) =>
        ReadAsync(db => db.LoadOutgoing(clientId));

    /// <inheritdoc />
    public ValueTask SaveOutgoingAsync(string clientId, MqttOutgoingFlight flight, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flight);
        return WriteAsync(db => db.SaveOutgoing(clientId, flight), wait: true, OperationKind.SaveOutgoing, clientId, flight.PacketId);
    }

    /// <inheritdoc />
    /// <remarks>Applied with the next batch, where the writer deletes all of that batch's acknowledged flights in one statement.</remarks>
    public ValueTask RemoveOutgoingAsync(string clientId, ushort packetId, CancellationToken cancellationToken = default) =>
        WriteAsync(db => db.RemoveOutgoing(clientId, packetId), wait: false, OperationKind.RemoveOutgoing, clientId, packetId);

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<ushort>> LoadIncomingAsync(string clientId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyCollection<ushort>>(db => db.LoadIncoming(clientId));

    /// <inheritdoc />
    /// <remarks>Not awaited for the disk: see the type's remarks and docs/session-store.md for what a subscriber's crash can do.</remarks>
    public ValueTask AddIncomingAsync(string clientId, ushort packetId, CancellationToken cancellationToken = default) =>
        WriteAsync(db => db.AddIncoming(clientId, packetId), wait: false);

    /// <inheritdoc />
    public ValueTask RemoveIncomingAsync(string clientId, ushort packetId, CancellationToken cancellationToken = default) =>
        WriteAsync(db => db.RemoveIncoming(clientId, packetId), wait: false);

    /// <inheritdoc />
    public ValueTask ClearAsync(string clientId, CancellationToken cancellationToken = default) =>
        WriteAsync(db => db.Clear(clientId), wait: true);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MqttQueuedMessage>> LoadQueuedAsync(string clientId, CancellationToken cancellationToken = default) =>
        ReadAsync(db => db.LoadQueued(clientId));

    /// <inheritdoc />
    public ValueTask SaveQueuedAsync(string clientId, long sequence, MqttMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return WriteAsync(db => db.SaveQueued(clientId, sequence, message), wait: true);
    }

    /// <inheritdoc />
    public ValueTask RemoveQueuedAsync(string clientId, long sequence, CancellationToken cancellationToken = default) =>
        WriteAsync(db => db.RemoveQueued(clientId, sequence), wait: false);

    /// <inheritdoc />
    public ValueTask MoveQueuedToOutgoingAsync(string clientId, long sequence, MqttOutgoingFlight flight, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flight);
        return WriteAsync(db =>
        {
            db.RemoveQueued(clientId, sequence);
            db.SaveOutgoing(clientId, flight);
        }, wait: true, OperationKind.MoveQueued, clientId, flight.PacketId);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MqttQueuedMessage>> RequeueOutgoingAsync(string clientId, CancellationToken cancellationToken = default) =>
        ReadAsync(db => db.RequeueOutgoing(clientId));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MqttStoredSubscription>> LoadSubscriptionsAsync(string clientId, CancellationToken cancellationToken = default) =>
        ReadAsync(db => db.LoadSubscriptions(clientId));

    /// <inheritdoc />
    public ValueTask SaveSubscriptionsAsync(string clientId, IReadOnlyList<MqttStoredSubscription> subscriptions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        IReadOnlyList<MqttStoredSubscription> copy = [.. subscriptions];
        return WriteAsync(db => db.SaveSubscriptions(clientId, copy), wait: true);
    }

    /// <inheritdoc />
    public ValueTask<MqttStoredSession?> LoadSessionAsync(string clientId, CancellationToken cancellationToken = default) =>
        ReadAsync(db => db.LoadSession(clientId));

    /// <inheritdoc />
    public ValueTask SaveSessionAsync(string clientId, MqttStoredSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        return WriteAsync(db => db.SaveSession(clientId, session), wait: true);
    }

    private ValueTask WriteAsync(Action<Database> apply, bool wait, OperationKind kind = OperationKind.Other, string? clientId = null, ushort packetId = 0)
    {
        if (_fault is { } fault)
        {
            return ValueTask.FromException(fault);
        }

        // With durability None nothing waits for the disk: the write is queued, in order, and that is all.
        var waits = wait && _options.Durability != MqttStoreDurability.None;
        var op = new Operation(db =>
        {
            apply(db);
            return null;
        }, waits)
        {
            Kind = kind,
            ClientId = clientId,
            PacketId = packetId,
        };
        if (!_operations.Writer.TryWrite(op))
        {
            return ValueTask.FromException(new ObjectDisposedException(nameof(MqttSqliteSessionStore)));
        }

        return waits ? new ValueTask(op.Completion!.Task) : ValueTask.CompletedTask;
    }

    private async ValueTask<T> ReadAsync<T>(Func<Database, T> read)
    {
        if (_fault is { } fault)
        {
            throw fault;
        }

        var op = new Operation(db => read(db), waits: true);
        if (!_operations.Writer.TryWrite(op))
        {
            throw new ObjectDisposedException(nameof(MqttSqliteSessionStore));
        }

        return (T)(await op.Completion!.Task.ConfigureAwait(false))!;
    }

    /// <summary>One call, applied by the writer in order; a waiting one is answered after its transaction committed.</summary>
    private sealed class Operation(Func<Database, object?> apply, bool waits)
    {
        public TaskCompletionSource<object?>? Completion { get; } = waits ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;

        public object? Result { get; set; }

        public int Attempts { get; set; }

        /// <summary>What the writer may know about the call without running it: lets it gather removals (see RunWriterAsync).</summary>
        public OperationKind Kind { get; init; }

        public string? ClientId { get; init; }

        public ushort PacketId { get; init; }

        public object? Apply(Database db) => apply(db);
    }

    private enum OperationKind
    {
        Other,
        SaveOutgoing,
        RemoveOutgoing,

        /// <summary>A queued message becoming a flight: it writes the flight's packet id, as SaveOutgoing does.</summary>
        MoveQueued,
    }
}
