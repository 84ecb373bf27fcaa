using Microsoft.Data.Sqlite;
using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Sqlite;

/// <summary>
/// The open file and its prepared statements, used by the store's one writer only (never concurrently). Every
/// method runs inside the writer's transaction.
/// </summary>
internal sealed class Database : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly RawStatement _upsertOutgoing;
    private readonly SqliteCommand _updateState;
    private readonly RawStatement _deleteOutgoing;
    private readonly RawStatement _deleteOutgoingMany;
    private readonly System.Text.StringBuilder _ids = new();
    private readonly SqliteCommand _insertIncoming;
    private readonly SqliteCommand _deleteIncoming;
    private readonly SqliteCommand _insertQueued;
    private readonly SqliteCommand _deleteQueued;
    private long _sequence;

    public Database(SqliteConnection connection)
    {
        _connection = connection;
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _upsertOutgoing = new RawStatement(_connection, """
            INSERT INTO outgoing (client_id, packet_id, seq, state, topic, qos, retain, payload, properties)
            VALUES ($c, $p, $s, $st, $t, $q, $r, $pl, $pr)
            ON CONFLICT (client_id, packet_id) DO UPDATE SET state = excluded.state, topic = excluded.topic, qos = excluded.qos,
                retain = excluded.retain, payload = excluded.payload, properties = excluded.properties
            """);
        _updateState = Prepare("UPDATE outgoing SET state = $st WHERE client_id = $c AND packet_id = $p", "$st", "$c", "$p");
        _deleteOutgoing = new RawStatement(_connection, "DELETE FROM outgoing WHERE client_id = $c AND packet_id = $p");

        // One statement for a batch's acknowledged flights: each DELETE through ADO.NET costs more than the b-tree work.
        _deleteOutgoingMany = new RawStatement(_connection, "DELETE FROM outgoing WHERE client_id = $c AND packet_id IN (SELECT value FROM json_each($ids))");
        _insertIncoming = Prepare("INSERT OR IGNORE INTO incoming (client_id, packet_id) VALUES ($c, $p)", "$c", "$p");
        _deleteIncoming = Prepare("DELETE FROM incoming WHERE client_id = $c AND packet_id = $p", "$c", "$p");
        _insertQueued = Prepare("INSERT OR REPLACE INTO queued (client_id, seq, topic, qos, retain, payload, properties) VALUES ($c, $s, $t, $q, $r, $pl, $pr)",
            "$c", "$s", "$t", "$q", "$r", "$pl", "$pr");
        _deleteQueued = Prepare("DELETE FROM queued WHERE client_id = $c AND seq = $s", "$c", "$s");
        using var max = _connection.CreateCommand();
        max.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM outgoing";
        _sequence = (long)max.ExecuteScalar()!;
    }

    public void Begin() => _begin.ExecuteNonQuery();

    public void Commit() => _commit.ExecuteNonQuery();

    public void TryRollback()
    {
        try
        {
            using var rollback = _connection.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // SQLite may have rolled back already (it does on SQLITE_FULL and some I/O errors).
        }
    }

    public IReadOnlyList<MqttOutgoingFlight> LoadOutgoing(string clientId)
    {
        using var command = Query("SELECT packet_id, state, topic, qos, retain, payload, properties FROM outgoing WHERE client_id = $c ORDER BY seq", clientId);
        using var reader = command.ExecuteReader();
        List<MqttOutgoingFlight> flights = [];
        while (reader.Read())
        {
            var state = (MqttOutgoingFlightState)reader.GetInt64(1);
            if (!Enum.IsDefined(state))
            {
                throw new InvalidDataException($"a stored flight has the unknown state {(int)state}");
            }

            flights.Add(new MqttOutgoingFlight(checked((ushort)reader.GetInt64(0)), ReadMessage(reader, 2), state));
        }

        return flights;
    }

    public void SaveOutgoing(string clientId, MqttOutgoingFlight flight)
    {
        // PUBREC moves a flight on: only its state changes, the message is on disk already.
        if (flight.State == MqttOutgoingFlightState.AwaitingPubComp && Run(_updateState, (int)flight.State, clientId, (long)flight.PacketId) == 1)
        {
            return;
        }

        var message = flight.Message;
        var properties = MessageColumns.EncodeProperties(message);
        _upsertOutgoing.Bind(1, clientId).Bind(2, flight.PacketId).Bind(3, ++_sequence).Bind(4, (int)flight.State).Bind(5, message.Topic)
            .Bind(6, (int)message.QualityOfService).Bind(7, message.Retain ? 1 : 0).Bind(8, message.Payload.Span);
        (properties is null ? _upsertOutgoing.BindNull(9) : _upsertOutgoing.Bind(9, properties)).Execute();
    }

    // SQLite copies a bound blob, so a payload that is a whole array binds as it is, without a copy of our own.
    private static byte[] PayloadArray(MqttMessage message) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(message.Payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : message.Payload.ToArray();

    public void RemoveOutgoing(string clientId, ushort packetId) => _deleteOutgoing.Bind(1, clientId).Bind(2, packetId).Execute();

    public void RemoveOutgoing(string clientId, IReadOnlyCollection<ushort> packetIds)
    {
        if (packetIds.Count == 1)
        {
            RemoveOutgoing(clientId, packetIds.First());
            return;
        }

        // A JSON array of the ids: the one list parameter SQLite takes without an extension.
        _ids.Clear().Append('[');
        foreach (var id in packetIds)
        {
            _ids.Append(_ids.Length > 1 ? "," : string.Empty).Append(id);
        }

        _deleteOutgoingMany.Bind(1, clientId).Bind(2, _ids.Append(']').ToString()).Execute();
    }

    public IReadOnlyCollection<ushort> LoadIncoming(string clientId)
    {
        using var command = Query("SELECT packet_id FROM incoming WHERE client_id = $c", clientId);
        using var reader = command.ExecuteReader();
        List<ushort> ids = [];
        while (reader.Read())
        {
            ids.Add(checked((ushort)reader.GetInt64(0)));
        }

        return ids;
    }

    public void AddIncoming(string clientId, ushort packetId) => Run(_insertIncoming, clientId, (long)packetId);

    public void RemoveIncoming(string clientId, ushort packetId) => Run(_deleteIncoming, clientId, (long)packetId);

    public void Clear(string clientId)
    {
        using var command = Query("DELETE FROM outgoing WHERE client_id = $c; DELETE FROM incoming WHERE client_id = $c", clientId);
        command.ExecuteNonQuery();
    }

    public IReadOnlyList<MqttQueuedMessage> LoadQueued(string clientId)
    {
        using var command = Query("SELECT seq, topic, qos, retain, payload, properties FROM queued WHERE client_id = $c ORDER BY seq", clientId);
        using var reader = command.ExecuteReader();
        List<MqttQueuedMessage> queued = [];
        while (reader.Read())
        {
            queued.Add(new MqttQueuedMessage(reader.GetInt64(0), ReadMessage(reader, 1)));
        }

        return queued;
    }

    public void SaveQueued(string clientId, long sequence, MqttMessage message) =>
        Run(_insertQueued, clientId, sequence, message.Topic, (int)message.QualityOfService, message.Retain ? 1 : 0, PayloadArray(message),
            (object?)MessageColumns.EncodeProperties(message) ?? DBNull.Value);

    public void RemoveQueued(string clientId, long sequence) => Run(_deleteQueued, clientId, sequence);

    /// <summary>Flights the broker forgot move to the front of the queue, in their order; all in the caller's transaction.</summary>
    public IReadOnlyList<MqttQueuedMessage> RequeueOutgoing(string clientId)
    {
        var flights = LoadOutgoing(clientId);
        using var min = Query("SELECT MIN(seq) FROM queued WHERE client_id = $c", clientId);
        var first = min.ExecuteScalar() is long m ? m : 1;
        var next = first - flights.Count;
        List<MqttQueuedMessage> requeued = [];
        foreach (var flight in flights)
        {
            // Past PUBREC too: a broker may hold a QoS 2 message until PUBREL (Mosquitto does), see MqttSessionState.
            var sequence = next++;
            SaveQueued(clientId, sequence, flight.Message);
            requeued.Add(new MqttQueuedMessage(sequence, flight.Message) { PacketId = flight.PacketId });
        }

        Clear(clientId);
        return requeued;
    }

    public IReadOnlyList<MqttStoredSubscription> LoadSubscriptions(string clientId)
    {
        using var command = Query("""
            SELECT entry, topic_filter, maximum_qos, no_local, retain_as_published, retain_handling, subscription_identifier, user_properties
            FROM subscriptions WHERE client_id = $c ORDER BY entry, position
            """, clientId);
        using var reader = command.ExecuteReader();
        List<MqttStoredSubscription> result = [];
        long entry = -1;
        List<MqttSubscription> filters = [];
        uint? identifier = null;
        IReadOnlyList<MqttUserProperty> properties = [];
        while (reader.Read())
        {
            if (reader.GetInt64(0) != entry)
            {
                if (filters.Count > 0)
                {
                    result.Add(new MqttStoredSubscription(filters, identifier, properties));
                }

                entry = reader.GetInt64(0);
                filters = [];
                identifier = reader.IsDBNull(6) ? null : checked((uint)reader.GetInt64(6));
                properties = MessageColumns.DecodeUserProperties(reader.IsDBNull(7) ? null : (byte[])reader[7]);
            }

            filters.Add(new MqttSubscription(reader.GetString(1), (MqttQualityOfService)reader.GetInt64(2))
            {
                NoLocal = reader.GetInt64(3) != 0,
                RetainAsPublished = reader.GetInt64(4) != 0,
                RetainHandling = (MqttRetainHandling)reader.GetInt64(5),
            });
        }

        if (filters.Count > 0)
        {
            result.Add(new MqttStoredSubscription(filters, identifier, properties));
        }

        return result;
    }

    public void SaveSubscriptions(string clientId, IReadOnlyList<MqttStoredSubscription> subscriptions)
    {
        using (var delete = Query("DELETE FROM subscriptions WHERE client_id = $c", clientId))
        {
            delete.ExecuteNonQuery();
        }

        using var insert = _connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO subscriptions (client_id, entry, position, topic_filter, maximum_qos, no_local, retain_as_published, retain_handling,
                subscription_identifier, user_properties) VALUES ($c, $e, $p, $f, $q, $n, $r, $h, $i, $u)
            """;
        for (var e = 0; e < subscriptions.Count; e++)
        {
            var s = subscriptions[e];
            for (var p = 0; p < s.Subscriptions.Count; p++)
            {
                var f = s.Subscriptions[p];
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$c", clientId);
                insert.Parameters.AddWithValue("$e", e);
                insert.Parameters.AddWithValue("$p", p);
                insert.Parameters.AddWithValue("$f", f.TopicFilter);
                insert.Parameters.AddWithValue("$q", (int)f.MaximumQoS);
                insert.Parameters.AddWithValue("$n", f.NoLocal ? 1 : 0);
                insert.Parameters.AddWithValue("$r", f.RetainAsPublished ? 1 : 0);
                insert.Parameters.AddWithValue("$h", (int)f.RetainHandling);
                insert.Parameters.AddWithValue("$i", s.SubscriptionIdentifier is { } id ? (long)id : DBNull.Value);
                insert.Parameters.AddWithValue("$u", (object?)MessageColumns.EncodeUserProperties(s.UserProperties) ?? DBNull.Value);
                insert.ExecuteNonQuery();
            }
        }
    }

    public MqttStoredSession? LoadSession(string clientId)
    {
        using var command = Query("SELECT assigned_client_id, session_expiry_ms FROM sessions WHERE client_id = $c", clientId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new MqttStoredSession(reader.IsDBNull(0) ? null : reader.GetString(0), TimeSpan.FromMilliseconds(reader.GetInt64(1))) : null;
    }

    public void SaveSession(string clientId, MqttStoredSession session)
    {
        using var command = Query("INSERT OR REPLACE INTO sessions (client_id, assigned_client_id, session_expiry_ms) VALUES ($c, $a, $e)", clientId);
        command.Parameters.AddWithValue("$a", (object?)session.AssignedClientIdentifier ?? DBNull.Value);
        command.Parameters.AddWithValue("$e", (long)session.SessionExpiry.TotalMilliseconds);
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in new[] { _begin, _commit, _updateState, _insertIncoming, _deleteIncoming, _insertQueued, _deleteQueued })
        {
            command.Dispose();
        }

        _upsertOutgoing.Dispose();
        _deleteOutgoing.Dispose();
        _deleteOutgoingMany.Dispose();

        _connection.Dispose();
    }

    private static MqttMessage ReadMessage(SqliteDataReader reader, int first) => MessageColumns.Decode(
        reader.GetString(first), reader.GetInt64(first + 1), reader.GetInt64(first + 2) != 0, (byte[])reader[first + 3],
        reader.IsDBNull(first + 4) ? null : (byte[])reader[first + 4]);

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private static int Run(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        return command.ExecuteNonQuery();
    }

    private SqliteCommand Query(string sql, string clientId)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$c", clientId);
        return command;
    }
}
