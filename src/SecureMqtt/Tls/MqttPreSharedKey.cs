using System.Security.Cryptography;

namespace SecureMqtt;

/// <summary>
/// A TLS-PSK identity and key, as in a Mosquitto <c>psk_file</c> line <c>identity:hexkey</c>. The identity travels in
/// clear text; the key never appears in <see cref="ToString"/>, messages or logs.
/// </summary>
/// <remarks>
/// The instance owns one copy of the key, in a pinned array so the garbage collector leaves no stray copies behind.
/// <see cref="Dispose"/> zeroes it. The client never disposes it, because options (and so this key) may be shared by
/// several clients and reused to reconnect: dispose it yourself once no client will connect with it again. An
/// established connection does not need it any more (the TLS layer keeps its own copy only during the handshake and
/// clears it); a later connect with a disposed key fails with <see cref="ArgumentException"/> before any network I/O.
/// </remarks>
public sealed class MqttPreSharedKey : IDisposable
{
    private readonly byte[] _key;
    private int _disposed;

    /// <summary>Creates a pre-shared key from raw key bytes (copied).</summary>
    /// <param name="identity">The identity the broker looks the key up by (Mosquitto's psk_file left-hand side).</param>
    /// <param name="key">The key bytes; at least 16 random bytes are advisable.</param>
    /// <exception cref="ArgumentException">The identity or the key is empty.</exception>
    public MqttPreSharedKey(string identity, ReadOnlySpan<byte> key)
    {
        ArgumentException.ThrowIfNullOrEmpty(identity);
        if (key.IsEmpty)
        {
            throw new ArgumentException("The pre-shared key is empty.", nameof(key));
        }

        Identity = identity;
        _key = GC.AllocateUninitializedArray<byte>(key.Length, pinned: true);
        key.CopyTo(_key);
    }

    /// <summary>The PSK identity (sent in clear text: no secrets or personal data).</summary>
    public string Identity { get; }

    /// <summary>The key bytes (the instance's own copy: do not keep it beyond the key's lifetime).</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed (and zeroed).</exception>
    public ReadOnlyMemory<byte> Key
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return _key;
        }
    }

    /// <summary>True once <see cref="Dispose"/> zeroed the key.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Creates a pre-shared key from hex digits, as <c>mosquitto_pub --psk</c> and psk_file write it.</summary>
    /// <param name="identity">The PSK identity.</param>
    /// <param name="hexKey">Hex digits (upper or lower case, optional 0x prefix).</param>
    /// <returns>The key.</returns>
    /// <exception cref="FormatException">The hex is malformed; the message gives the position, not the key.</exception>
    public static MqttPreSharedKey FromHex(string identity, string hexKey)
    {
        var bytes = SecureMqtt.Tls.OpenSsl.PskTlsClientOptions.ParseHexKey(hexKey);
        try
        {
            return new MqttPreSharedKey(identity, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Zeroes the key. A connect that is in its TLS handshake at that moment fails; later connects are refused.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            CryptographicOperations.ZeroMemory(_key);
        }
    }

    /// <summary>Names the identity and the key length, never the key.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString() => $"MqttPreSharedKey {{ Identity = {Identity}, Key = *** ({_key.Length} bytes{(IsDisposed ? ", disposed" : string.Empty)}) }}";
}
