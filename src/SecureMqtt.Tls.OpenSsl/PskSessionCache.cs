using System.Security.Cryptography;
using System.Text;
using SecureMqtt.Tls.OpenSsl.Interop;

namespace SecureMqtt.Tls.OpenSsl;

/// <summary>
/// The TLS sessions of earlier <see cref="PskTlsStream"/> connections, offered again on the next handshake with the
/// same server, identity, key and versions, so a reconnect resumes (a TLS 1.3 ticket or a TLS 1.2 session) instead of
/// running a full handshake. One per client; safe to share between connections, which use it one after the other.
/// A server that does not accept the session simply runs a full handshake. Dispose it to free the sessions.
/// </summary>
public sealed class PskSessionCache : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, IntPtr> _sessions = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Handshakes that offered a cached session.</summary>
    public int Offered { get; private set; }

    /// <summary>Sessions kept so far (one per connection that ended with a resumable session).</summary>
    public int Stored { get; private set; }

    /// <summary>Handshakes in which the server resumed the offered session.</summary>
    public int Resumed => Volatile.Read(ref _resumed);

    private int _resumed;

    internal void NoteResumed() => Interlocked.Increment(ref _resumed);

    /// <summary>Frees every cached session.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var session in _sessions.Values)
            {
                LibSsl.SSL_SESSION_free(session);
            }

            _sessions.Clear();
        }
    }

    /// <summary>
    /// The key of a session: what must be equal for it to be offered again. The key bytes enter only as a hash, so a
    /// changed key never resumes a session made with the old one.
    /// </summary>
    internal static string KeyOf(PskTlsClientOptions options, int minVersion, int maxVersion)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(options.Key.Span, hash);
        return new StringBuilder()
            .Append(options.ServerName).Append('\n')
            .Append(options.Identity).Append('\n')
            .Append(Convert.ToHexString(hash)).Append('\n')
            .Append(minVersion).Append('-').Append(maxVersion).Append('\n')
            .Append(options.CipherList)
            .ToString();
    }

    /// <summary>
    /// Sets a copy of the cached session for <paramref name="key"/>, if any, on a new connection before its handshake;
    /// returns the copy (zero when none), which the connection holds, so the pointer stays valid while it lives.
    /// </summary>
    internal IntPtr TryOffer(SafeSslHandle ssl, string key)
    {
        lock (_lock)
        {
            if (_disposed || !_sessions.TryGetValue(key, out var session))
            {
                return IntPtr.Zero;
            }

            // A copy is offered: a connection that breaks marks its session not resumable, and that must not be the
            // cache's. SSL_set_session takes a reference of its own, so ours is dropped at once.
            var offer = LibSsl.SSL_SESSION_dup(session);
            if (offer == IntPtr.Zero)
            {
                return IntPtr.Zero;
            }

            var set = LibSsl.SSL_set_session(ssl, offer);
            LibSsl.SSL_SESSION_free(offer);
            if (set != 1)
            {
                return IntPtr.Zero;
            }

            Offered++;
            return offer;
        }
    }

    /// <summary>
    /// Keeps the connection's current session for <paramref name="key"/>, as a copy, before the connection is freed:
    /// OpenSSL marks the session itself not resumable when a connection ends without close_notify, which is how a
    /// lost connection ends, while a copy taken before stays resumable.
    /// </summary>
    internal void Keep(SafeSslHandle ssl, string key)
    {
        var current = LibSsl.SSL_get1_session(ssl);
        if (current == IntPtr.Zero)
        {
            return;
        }

        try
        {
            if (LibSsl.SSL_SESSION_is_resumable(current) != 1)
            {
                return;
            }

            var copy = LibSsl.SSL_SESSION_dup(current);
            if (copy == IntPtr.Zero)
            {
                return;
            }

            lock (_lock)
            {
                if (_disposed)
                {
                    LibSsl.SSL_SESSION_free(copy);
                    return;
                }

                if (_sessions.Remove(key, out var old))
                {
                    LibSsl.SSL_SESSION_free(old);
                }

                _sessions[key] = copy;
                Stored++;
            }
        }
        finally
        {
            LibSsl.SSL_SESSION_free(current);
        }
    }
}
