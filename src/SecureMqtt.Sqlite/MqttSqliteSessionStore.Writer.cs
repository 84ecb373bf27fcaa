using Microsoft.Data.Sqlite;
using SecureMqtt.Session;

namespace SecureMqtt.Sqlite;

public sealed partial class MqttSqliteSessionStore
{
    // A write that does not wait (a removal) and fails with its batch is tried again with the next ones, this many times.
    private const int MaximumAttempts = 3;

    // The writer's gathered removals of outgoing flights (one client id at a time), applied before the commit.
    private readonly HashSet<ushort> _removals = [];
    private string? _removalClient;

    /// <summary>
    /// The one writer: takes every call queued since the last commit (group commit), applies them in order in one
    /// transaction and commits; then answers the callers that wait. Per-message durability commits each waiting write
    /// on its own. Runs on a pool thread of its own for the store's life: SQLite's calls are synchronous.
    /// </summary>
    private async Task RunWriterAsync()
    {
        var batch = new List<Operation>(_options.MaximumBatchSize);
        var retry = new List<Operation>();
        var reader = _operations.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (_options.BatchDelay > TimeSpan.Zero && _options.Durability != MqttStoreDurability.PerMessage)
            {
                await Task.Delay(_options.BatchDelay).ConfigureAwait(false);
            }

            batch.Clear();
            batch.AddRange(retry);
            retry.Clear();
            while (batch.Count < _options.MaximumBatchSize && reader.TryRead(out var op))
            {
                batch.Add(op);

                // A move only turns a committed queued message into a flight (the client publishes without waiting for
                // it, see MqttSessionState.BeginPublishAsync), so it rides with the next message's commit rather than
                // costing an fsync of its own.
                if (_options.Durability == MqttStoreDurability.PerMessage && op.Completion is not null && op.Kind != OperationKind.MoveQueued)
                {
                    break;
                }
            }

            Commit(batch, retry);
        }

        // Closing: what failed last gets one more chance, so a removal is not lost to a passing error.
        if (retry.Count > 0)
        {
            var last = new List<Operation>();
            Commit(retry, last);
        }
    }

    private void Commit(List<Operation> batch, List<Operation> retry)
    {
        if (_fault is { } fault)
        {
            batch.ForEach(op => Fail(op, fault));
            return;
        }

        try
        {
            _db.Begin();
            foreach (var op in batch)
            {
                // Removals of acknowledged flights commute with every write except a later save (or move) of the same packet id
                // (the id used again) and whatever reads or rewrites the flights wholesale: they wait in _removals and go
                // in one DELETE just before such a write, or at the end. The transaction is one commit either way, so
                // a crash sees all of the batch or none of it, exactly as before.
                if (op.Kind == OperationKind.RemoveOutgoing && (_removalClient is null || _removalClient == op.ClientId))
                {
                    _removalClient = op.ClientId;
                    _removals.Add(op.PacketId);
                    continue;
                }

                if (_removals.Count > 0 && (op.Kind is not (OperationKind.SaveOutgoing or OperationKind.MoveQueued) || op.ClientId != _removalClient || _removals.Contains(op.PacketId)))
                {
                    FlushRemovals();
                }

                if (op.Kind == OperationKind.RemoveOutgoing)
                {
                    _removalClient = op.ClientId;
                    _removals.Add(op.PacketId);
                    continue;
                }

                op.Result = op.Apply(_db);
            }

            FlushRemovals();
            _db.Commit();
        }
        catch (Exception ex) when (ex is SqliteException or InvalidDataException or InvalidCastException)
        {
            _removals.Clear();
            _removalClient = null;
            _db.TryRollback();
            var error = Schema.Map(ex, _options.Path, "writing");

            // A damaged or foreign file will not heal: every later call fails at once with the same reason.
            if (error.Kind is MqttSessionStoreFailureKind.Corrupt or MqttSessionStoreFailureKind.NotASessionStore)
            {
                _fault = error;
            }

            foreach (var op in batch)
            {
                if (op.Completion is null && ++op.Attempts < MaximumAttempts && _fault is null)
                {
                    retry.Add(op);
                }
                else
                {
                    Fail(op, error);
                }
            }

            return;
        }

        foreach (var op in batch)
        {
            op.Completion?.TrySetResult(op.Result);
        }
    }

    private void FlushRemovals()
    {
        if (_removals.Count > 0)
        {
            _db.RemoveOutgoing(_removalClient!, _removals);
            _removals.Clear();
        }

        _removalClient = null;
    }

    private static void Fail(Operation op, MqttSessionStoreException error)
    {
        // Reading Exception marks it observed: a caller that stopped waiting does not surface it later.
        _ = op.Completion?.TrySetException(error) == true ? op.Completion.Task.Exception : null;
    }
}
