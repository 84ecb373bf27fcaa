using System.Security.Cryptography;
using System.Text;

namespace SecureMqtt.Authentication;

/// <summary>
/// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as an MQTT 5 enhanced authentication method: the client
/// proves it knows the password without sending it, and the server proves it knows the password's verifier, so
/// a server that merely accepts the connection is not enough.
/// </summary>
/// <remarks>
/// <para>No channel binding: the GS2 header is "n,," (SCRAM without -PLUS), since the TLS layer below does not
/// export its channel-binding data to MQTT.</para>
/// <para>SASLprep (RFC 4013) is done only for what it means on ASCII: printable ASCII passes unchanged and ASCII
/// control characters are refused, as SASLprep prohibits them. Names and passwords with characters beyond ASCII
/// are refused with <see cref="ArgumentException"/> rather than sent unnormalised, which a server applying full
/// SASLprep could reject or, worse, hash differently.</para>
/// <para>The password is kept as bytes until <see cref="Dispose"/>, which clears them; each exchange holds its own
/// copy only until it has answered the server's challenge, and every buffer derived from it (salted password,
/// client and server keys) is cleared as soon as it is used.</para>
/// <para>The challenge is answered synchronously: PBKDF2 takes milliseconds at the 4096 iterations RFC 7677
/// recommends, and a server asking for more than 10,000,000 is refused rather than obeyed.</para>
/// </remarks>
public sealed class MqttScramAuthenticator : IMqttAuthenticator, IDisposable
{
    private readonly Func<string> _nonceFactory;
    private readonly byte[] _password;
    private bool _disposed;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="algorithm">SHA-256 or SHA-512.</param>
    /// <param name="userName">The SCRAM user name (printable ASCII; ',' and '=' are escaped as RFC 5802 requires).</param>
    /// <param name="password">The password (printable ASCII).</param>
    /// <exception cref="ArgumentException">The user name is empty, or the user name or password holds characters this implementation cannot SASLprep.</exception>
    public MqttScramAuthenticator(MqttScramAlgorithm algorithm, string userName, string password)
        : this(algorithm, userName, password, CreateNonce)
    {
    }

    /// <summary>For test vectors: the client nonce comes from <paramref name="nonceFactory"/> instead of the random source.</summary>
    internal MqttScramAuthenticator(MqttScramAlgorithm algorithm, string userName, string password, Func<string> nonceFactory)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        if (algorithm is not (MqttScramAlgorithm.Sha256 or MqttScramAlgorithm.Sha512))
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Only SHA-256 and SHA-512 are supported.");
        }

        if (userName.Length == 0)
        {
            throw new ArgumentException("SCRAM needs a non-empty user name.", nameof(userName));
        }

        CheckSaslPrepAscii(userName, nameof(userName), "user name");
        CheckSaslPrepAscii(password, nameof(password), "password");
        Algorithm = algorithm;
        UserName = userName;
        _password = Encoding.ASCII.GetBytes(password);
        _nonceFactory = nonceFactory;
    }

    /// <summary>The hash function.</summary>
    public MqttScramAlgorithm Algorithm { get; }

    /// <summary>The user name as given (before RFC 5802 escaping).</summary>
    public string UserName { get; }

    /// <summary>"SCRAM-SHA-256" or "SCRAM-SHA-512", the SASL mechanism names used as MQTT Authentication Method.</summary>
    public string Method => Algorithm == MqttScramAlgorithm.Sha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";

    /// <summary>True once <see cref="Dispose"/> has cleared the password.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>A SCRAM-SHA-256 authenticator.</summary>
    /// <param name="userName">The user name (printable ASCII).</param>
    /// <param name="password">The password (printable ASCII).</param>
    /// <returns>The authenticator; the caller disposes it.</returns>
    public static MqttScramAuthenticator Sha256(string userName, string password) => new(MqttScramAlgorithm.Sha256, userName, password);

    /// <summary>A SCRAM-SHA-512 authenticator.</summary>
    /// <param name="userName">The user name (printable ASCII).</param>
    /// <param name="password">The password (printable ASCII).</param>
    /// <returns>The authenticator; the caller disposes it.</returns>
    public static MqttScramAuthenticator Sha512(string userName, string password) => new(MqttScramAlgorithm.Sha512, userName, password);

    /// <inheritdoc />
    public IMqttAuthenticationExchange CreateExchange()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new ScramExchange(Algorithm, Method, UserName, _password, _nonceFactory());
    }

    /// <summary>Clears the password; exchanges created earlier hold their own copy, cleared when they end.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_password);
        }
    }

    /// <summary>Describes the authenticator without the password.</summary>
    /// <returns>A description that is safe to log.</returns>
    public override string ToString() => $"{Method} as '{UserName}'";

    // RFC 5802 section 5.1: the nonce is printable ASCII without ','; base64 of random bytes is exactly that.
    private static string CreateNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    private static void CheckSaslPrepAscii(string value, string parameter, string what)
    {
        foreach (var c in value)
        {
            if (c > 0x7E)
            {
                throw new ArgumentException(
                    $"The SCRAM {what} contains a character beyond ASCII; SASLprep (RFC 4013) of such strings is not implemented, so only printable ASCII is accepted.",
                    parameter);
            }

            if (c < 0x20 || c == 0x7F)
            {
                // RFC 4013 section 2.3 prohibits ASCII control characters (RFC 3454 table C.2.1).
                throw new ArgumentException($"The SCRAM {what} contains an ASCII control character, which SASLprep (RFC 4013) prohibits.", parameter);
            }
        }
    }
}
