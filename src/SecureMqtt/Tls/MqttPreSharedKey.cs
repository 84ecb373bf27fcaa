using System.Security.Cryptography;

namespace SecureMqtt;

/// <summary>
/// A TLS-PSK identity and key, as in a Mosquitto <c>psk_file</c> line <c>identity:hexkey</c>. The identity travels in
/// clear text; the key never appears in <see cref="ToString"/>, messages or logs.
/// </summary>
public sealed class MqttPreSharedKey
{
    private readonly byte[] _key;

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
        _key = key.ToArray();
    }

    /// <summary>The PSK identity (sent in clear text: no secrets or personal data).</summary>
    public string Identity { get; }

    /// <summary>The key bytes.</summary>
    public ReadOnlyMemory<byte> Key => _key;

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

    /// <summary>Names the identity and the key length, never the key.</summary>
    /// <returns>A description safe to log.</returns>
    public override string ToString() => $"MqttPreSharedKey {{ Identity = {Identity}, Key = *** ({_key.Length} bytes) }}";
}
