namespace SecureMqtt.Session;

/// <summary>Why a session store could not be opened, read or written.</summary>
public enum MqttSessionStoreFailureKind
{
    /// <summary>Another live client (this process or another) holds the store.</summary>
    Locked,

    /// <summary>The store was written by a newer version of SecureMqtt, with a schema this version does not know.</summary>
    NewerSchema,

    /// <summary>The file is not a session store: not a database at all, or a database of something else.</summary>
    NotASessionStore,

    /// <summary>The store is damaged (for example a torn write); its content cannot be trusted.</summary>
    Corrupt,

    /// <summary>The store or its directory cannot be written.</summary>
    ReadOnly,

    /// <summary>The disk (or the store's size limit) is full.</summary>
    DiskFull,

    /// <summary>Another input/output error.</summary>
    IOError,
}

/// <summary>
/// A session store failed: the kind says why, the message names the file, the cause and what to do. A publish
/// that fails with it was not accepted (nothing was sent); the store's earlier content is unchanged.
/// </summary>
public sealed class MqttSessionStoreException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">Why the store failed.</param>
    /// <param name="path">The store's file.</param>
    /// <param name="message">The cause and what to do, in plain language (should name the path).</param>
    /// <param name="inner">The underlying error, if any.</param>
    public MqttSessionStoreException(MqttSessionStoreFailureKind kind, string path, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Path = path;
    }

    /// <summary>Why the store failed.</summary>
    public MqttSessionStoreFailureKind Kind { get; }

    /// <summary>The store's file.</summary>
    public string Path { get; }

    /// <summary>A full disk may get space again, and a lock is released when its holder ends; the others need a person.</summary>
    public override bool IsTransient => Kind is MqttSessionStoreFailureKind.DiskFull or MqttSessionStoreFailureKind.Locked;
}
