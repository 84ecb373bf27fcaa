using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace SecureMqtt.Sqlite;

/// <summary>
/// A statement prepared once on the writer's connection and run through SQLite's own API, for the two writes every
/// QoS 1/2 message makes (its save and its removal). Through <see cref="SqliteCommand"/> each run binds every parameter
/// by name and builds a data reader, which cost more than SQLite's work on a small row; here parameters bind by
/// position and a blob binds from its span (SQLite copies it), so a payload is not copied on our side either.
/// Errors surface as <see cref="SqliteException"/>, as through the ADO.NET path, so the store maps them the same way.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    /// <summary>Parameters are numbered from 1, in the order they first appear in the SQL.</summary>
    public RawStatement Bind(int index, long value)
    {
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        return this;
    }

    public RawStatement Bind(int index, string value)
    {
        Check(raw.sqlite3_bind_text(_statement, index, value));
        return this;
    }

    public RawStatement Bind(int index, ReadOnlySpan<byte> value)
    {
        // An empty span may carry no pointer, which SQLite would store as NULL: an empty blob is a zero-length blob.
        Check(value.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, index, 0) : raw.sqlite3_bind_blob(_statement, index, value));
        return this;
    }

    public RawStatement BindNull(int index)
    {
        Check(raw.sqlite3_bind_null(_statement, index));
        return this;
    }

    /// <summary>Runs the statement to its end and makes it ready for the next binding; returns the rows it changed.</summary>
    public int Execute()
    {
        var rc = raw.sqlite3_step(_statement);
        if (rc != raw.SQLITE_DONE)
        {
            raw.sqlite3_reset(_statement);
            raw.sqlite3_clear_bindings(_statement);
            SqliteException.ThrowExceptionForRC(rc, _db);
            throw new SqliteException($"SQLite returned {rc} for a statement that returns no rows", rc);
        }

        var changes = raw.sqlite3_changes(_db);
        Check(raw.sqlite3_reset(_statement));
        Check(raw.sqlite3_clear_bindings(_statement));
        return changes;
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);
}
