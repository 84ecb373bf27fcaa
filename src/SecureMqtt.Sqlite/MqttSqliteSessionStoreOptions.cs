namespace SecureMqtt.Sqlite;

/// <summary>How hard the store works to keep a write across a crash or a power cut, and what it costs.</summary>
public enum MqttStoreDurability
{
    /// <summary>
    /// Each accepted message is its own transaction, on disk (fsync) before its publish is accepted. The slowest:
    /// one disk flush per message.
    /// </summary>
    PerMessage,

    /// <summary>
    /// Group commit: every write queued while the previous commit ran goes into the next transaction, one fsync for
    /// all of them; a publish is still accepted only once its transaction is on disk. The default.
    /// </summary>
    Batched,

    /// <summary>
    /// Writes reach the file in batches without fsync and publishes do not wait for them: a killed process loses
    /// nothing the operating system already had (the last batch at most), a power cut or kernel crash may lose more.
    /// </summary>
    None,
}

/// <summary>Options of <see cref="MqttSqliteSessionStore"/>.</summary>
public sealed record MqttSqliteSessionStoreOptions
{
    /// <summary>The database file (one per client id). Created with its directory's permissions when missing.</summary>
    public required string Path { get; init; }

    /// <summary>When a write counts as stored. Default <see cref="MqttStoreDurability.Batched"/>.</summary>
    public MqttStoreDurability Durability { get; init; } = MqttStoreDurability.Batched;

    /// <summary>
    /// The longest a write waits for others to join its batch before the commit starts (<see cref="MqttStoreDurability.Batched"/>
    /// and <see cref="MqttStoreDurability.None"/>). Zero commits as soon as the previous commit is done, which already
    /// groups every write that arrived meanwhile. Default zero; at most one second.
    /// </summary>
    public TimeSpan BatchDelay { get; init; } = TimeSpan.Zero;

    /// <summary>The most writes in one transaction. Default 4096.</summary>
    public int MaximumBatchSize { get; init; } = 4096;

    /// <summary>Tests only: caps the file at this many pages (SQLite's max_page_count), to make a full disk on demand.</summary>
    internal long? MaximumPageCount { get; init; }
}
