using System.Globalization;
using System.Security.Authentication;

namespace SecureMqtt.Tls.OpenSsl;

/// <summary>How a <see cref="PskTlsStream"/> authenticates: a PSK identity and key, and the TLS versions and suites it may use.</summary>
public sealed record PskTlsClientOptions
{
    /// <summary>OpenSSL 3's limit on an identity (PSK_MAX_IDENTITY_LEN), in UTF-8 bytes.</summary>
    public const int MaxIdentityBytes = 256;

    /// <summary>OpenSSL 3's limit on a key (PSK_MAX_PSK_LEN), in bytes.</summary>
    public const int MaxKeyBytes = 512;

    /// <summary>The PSK identity, sent to the server in clear text (Mosquitto's <c>psk_file</c> left-hand side).</summary>
    public required string Identity { get; init; }

    /// <summary>The raw key bytes (Mosquitto's <c>psk_file</c> right-hand side, decoded from hex with <see cref="ParseHexKey"/>).</summary>
    /// <remarks>The stream copies the key into native memory for the handshake and clears that copy afterwards; the caller owns this buffer.</remarks>
    public required ReadOnlyMemory<byte> Key { get; init; }

    /// <summary>The lowest TLS version to offer: <see cref="SslProtocols.Tls12"/> (default) or <see cref="SslProtocols.Tls13"/>.</summary>
    public SslProtocols MinimumVersion { get; init; } = SslProtocols.Tls12;

    /// <summary>The highest TLS version to offer: <see cref="SslProtocols.None"/> (default) for the highest OpenSSL supports, or <see cref="SslProtocols.Tls12"/> / <see cref="SslProtocols.Tls13"/>.</summary>
    public SslProtocols MaximumVersion { get; init; } = SslProtocols.None;

    /// <summary>The host name to send as SNI, or <see langword="null"/> to send none.</summary>
    public string? ServerName { get; init; }

    /// <summary>An OpenSSL cipher list for TLS 1.2 replacing the default PSK-only list; it should name PSK suites only.</summary>
    public string? CipherList { get; init; }

    /// <summary>How long the whole handshake may take before <see cref="PskTlsFailure.Timeout"/>.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>When <see langword="true"/>, disposing the TLS stream leaves the inner stream open.</summary>
    public bool LeaveInnerStreamOpen { get; init; }

    /// <summary>
    /// Sessions of earlier connections to offer on this handshake, and where this connection's session is kept when it
    /// ends, so the next connection to the same server with the same identity and key resumes; null: every handshake
    /// is a full one.
    /// </summary>
    public PskSessionCache? SessionCache { get; init; }

    /// <summary>Decodes a hex key as Mosquitto's <c>psk_file</c> and <c>mosquitto_pub --psk</c> write it.</summary>
    /// <param name="hex">Hex digits, upper or lower case, an even number of them, optionally with a leading <c>0x</c>.</param>
    /// <returns>The key bytes.</returns>
    /// <exception cref="FormatException">The text is empty, has an odd number of digits or a character that is not a hex digit (the message gives its position, not the key).</exception>
    public static byte[] ParseHexKey(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.AsSpan().Trim();
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        if (digits.IsEmpty)
        {
            throw new FormatException("The PSK key is empty; give it as hex digits, e.g. the output of `openssl rand -hex 16`.");
        }

        if (digits.Length % 2 != 0)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"The PSK key has an odd number of hex digits ({digits.Length}); each byte needs two."));
        }

        for (var i = 0; i < digits.Length; i++)
        {
            if (!char.IsAsciiHexDigit(digits[i]))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"The PSK key has a character that is not a hex digit at position {i + 1}; use only 0-9 and a-f."));
            }
        }

        return Convert.FromHexString(digits);
    }
}
