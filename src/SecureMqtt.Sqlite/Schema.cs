using Microsoft.Data.Sqlite;
using SecureMqtt.Session;

namespace SecureMqtt.Sqlite;

/// <summary>Opening a store: the lock, the checks that refuse a wrong file, the schema, and what each SQLite error means.</summary>
internal static class Schema
{
    /// <summary>The schema this version writes, in <c>PRAGMA user_version</c>.</summary>
    public const int Version = 1;

    /// <summary>"SMQT", in <c>PRAGMA application_id</c>: tells our files from other SQLite databases.</summary>
    public const int ApplicationId = 0x534D5154;

    private static readonly string[] s_tables = ["incoming", "outgoing", "queued", "sessions", "subscriptions"];

    private const string Create = """
        CREATE TABLE outgoing (
            client_id TEXT NOT NULL, packet_id INTEGER NOT NULL, seq INTEGER NOT NULL, state INTEGER NOT NULL,
            topic TEXT NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL, payload BLOB NOT NULL, properties BLOB,
            PRIMARY KEY (client_id, packet_id));
        CREATE TABLE incoming (
            client_id TEXT NOT NULL, packet_id INTEGER NOT NULL,
            PRIMARY KEY (client_id, packet_id)) WITHOUT ROWID;
        CREATE TABLE queued (
            client_id TEXT NOT NULL, seq INTEGER NOT NULL,
            topic TEXT NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL, payload BLOB NOT NULL, properties BLOB,
            PRIMARY KEY (client_id, seq));
        CREATE TABLE subscriptions (
            client_id TEXT NOT NULL, entry INTEGER NOT NULL, position INTEGER NOT NULL, topic_filter TEXT NOT NULL,
            maximum_qos INTEGER NOT NULL, no_local INTEGER NOT NULL, retain_as_published INTEGER NOT NULL, retain_handling INTEGER NOT NULL,
            subscription_identifier INTEGER, user_properties BLOB,
            PRIMARY KEY (client_id, entry, position));
        CREATE TABLE sessions (
            client_id TEXT NOT NULL PRIMARY KEY, assigned_client_id TEXT, session_expiry_ms INTEGER NOT NULL);
        """;

    /// <summary>
    /// An OS lock on a side file, held for the store's life: released by the kernel when the holder dies (even by
    /// SIGKILL), so a crashed client never leaves a stale lock behind, while a live one always keeps others out.
    /// </summary>
    public static FileStream AcquireLock(string path)
    {
        var lockPath = path + ".lock";
        try
        {
            var directory = System.IO.Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw ReadOnly(path, ex.Message, ex);
        }
        catch (IOException ex) when (ex.HResult == 30 || ex.Message.Contains("Read-only", StringComparison.OrdinalIgnoreCase))
        {
            throw ReadOnly(path, ex.Message, ex);
        }
        catch (IOException ex) when (File.Exists(lockPath))
        {
            throw new MqttSessionStoreException(MqttSessionStoreFailureKind.Locked, path,
                $"The session store '{path}' is in use by another live client (its lock '{lockPath}' is held). A store belongs to one client at a time: " +
                "stop the other client, or give this one a file of its own.", ex);
        }
        catch (IOException ex)
        {
            throw new MqttSessionStoreException(MqttSessionStoreFailureKind.IOError, path,
                $"The session store '{path}' cannot be opened: {ex.Message}. Check that the path is a writable directory on a local disk.", ex);
        }
    }

    public static Database Open(MqttSqliteSessionStoreOptions options)
    {
        var path = options.Path;
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 5,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            var version = Scalar<long>(connection, "PRAGMA user_version");
            var applicationId = Scalar<long>(connection, "PRAGMA application_id");
            var tables = Tables(connection);
            if (version == 0 && applicationId == 0 && tables.Count == 0)
            {
                Initialize(connection);
            }
            else if (applicationId != ApplicationId)
            {
                throw Foreign(path, "it is an SQLite database of another application");
            }
            else if (version > Version)
            {
                throw new MqttSessionStoreException(MqttSessionStoreFailureKind.NewerSchema, path,
                    $"The session store '{path}' has schema version {version}, written by a newer SecureMqtt; this one knows up to version {Version}. " +
                    "Open it with the newer version, or delete it (its queued and unacknowledged messages are then lost).");
            }
            else if (!s_tables.All(tables.Contains))
            {
                throw new MqttSessionStoreException(MqttSessionStoreFailureKind.Corrupt, path,
                    $"The session store '{path}' lacks some of its tables ({string.Join(", ", s_tables.Where(t => !tables.Contains(t)))}). " +
                    "Move it aside for inspection and start with a new file.");
            }

            var check = Scalar<string>(connection, "PRAGMA quick_check");
            if (!string.Equals(check, "ok", StringComparison.Ordinal))
            {
                throw new MqttSessionStoreException(MqttSessionStoreFailureKind.Corrupt, path,
                    $"The session store '{path}' is damaged ({check}); its messages cannot be trusted. Move it aside for inspection " +
                    "(sqlite3 can try '.recover') and start with a new file.");
            }

            // WAL: a commit appends to the log and fsyncs it once; FULL makes that fsync happen on every commit.
            var mode = Scalar<string>(connection, "PRAGMA journal_mode=WAL");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw ReadOnly(path, $"SQLite could not switch it to WAL mode (journal mode is {mode})", null);
            }

            Execute(connection, options.Durability == MqttStoreDurability.None ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=FULL");
            if (options.MaximumPageCount is { } pages)
            {
                Execute(connection, FormattableString.Invariant($"PRAGMA max_page_count = {pages}"));
            }

            // Proves the file can be written now, not at the first publish.
            Execute(connection, "BEGIN IMMEDIATE; UPDATE sessions SET client_id = client_id WHERE 0; COMMIT;");
            return new Database(connection);
        }
        catch (Exception ex) when (ex is SqliteException or InvalidCastException or InvalidOperationException)
        {
            connection.Dispose();
            throw Map(ex, path, "opening");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>What an SQLite error means for the application, in plain language, with the path and what to do.</summary>
    public static MqttSessionStoreException Map(Exception ex, string path, string doing)
    {
        if (ex is MqttSessionStoreException known)
        {
            return known;
        }

        if (ex is InvalidDataException or InvalidCastException)
        {
            return new MqttSessionStoreException(MqttSessionStoreFailureKind.Corrupt, path,
                $"The session store '{path}' holds data this version cannot read ({ex.Message}) while {doing} it. Move it aside and start with a new file.", ex);
        }

        var code = ex is SqliteException sqlite ? sqlite.SqliteErrorCode & 0xFF : 0;
        return code switch
        {
            13 => new MqttSessionStoreException(MqttSessionStoreFailureKind.DiskFull, path,
                $"The disk holding the session store '{path}' is full while {doing} it: the message was not stored, and not sent. Free space and publish again.", ex),
            11 => new MqttSessionStoreException(MqttSessionStoreFailureKind.Corrupt, path,
                $"The session store '{path}' is damaged ({ex.Message}); its messages cannot be trusted. Move it aside for inspection " +
                "(sqlite3 can try '.recover') and start with a new file.", ex),
            26 => Foreign(path, "it is not an SQLite database"),
            8 or 14 or 23 => ReadOnly(path, ex.Message, ex),
            5 or 6 => new MqttSessionStoreException(MqttSessionStoreFailureKind.Locked, path,
                $"The session store '{path}' is locked by another program ({ex.Message}). Stop it, or give this client a file of its own.", ex),
            _ => new MqttSessionStoreException(MqttSessionStoreFailureKind.IOError, path,
                $"The session store '{path}' failed while {doing} it: {ex.Message}. Check the disk; the store's earlier content is unchanged.", ex),
        };
    }

    private static MqttSessionStoreException Foreign(string path, string why) => new(MqttSessionStoreFailureKind.NotASessionStore, path,
        $"'{path}' is not a SecureMqtt session store: {why}. Point the store at another file; delete this one only if nothing else uses it.");

    private static MqttSessionStoreException ReadOnly(string path, string detail, Exception? inner) => new(MqttSessionStoreFailureKind.ReadOnly, path,
        $"The session store '{path}' cannot be written ({detail}). Make its directory writable for this user, or choose a path that is.", inner);

    private static void Initialize(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, Create, transaction);
        Execute(connection, $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {Version};", transaction);
        transaction.Commit();
    }

    private static HashSet<string> Tables(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        using var reader = command.ExecuteReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
