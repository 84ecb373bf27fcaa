// The server side of SCRAM (RFC 5802 section 3 and 5, RFC 7677), written from the RFC for tests: it stores what
// a real server stores (salt, iteration count, StoredKey, ServerKey; never the password) and verifies the
// client's proof by recovering ClientKey from it:
//
//  ClientSignature = HMAC(StoredKey, AuthMessage)
//  ClientKey       = ClientProof XOR ClientSignature      accepted when H(ClientKey) == StoredKey
//  ServerSignature = HMAC(ServerKey, AuthMessage)         sent as "v=" in server-final
using System.Security.Cryptography;
using System.Text;

namespace SecureMqtt.Testing;

/// <summary>A SCRAM authentication the server refuses, with the RFC 5802 "server-error" value that names why.</summary>
public sealed class ScramServerException(string error, string message) : Exception(message)
{
    /// <summary>The server-error value of RFC 5802 section 7, e.g. "invalid-proof" or "unknown-user".</summary>
    public string Error { get; } = error;
}

/// <summary>One SCRAM exchange on the server side: <see cref="ServerFirst"/> once, then <see cref="ServerFinal"/> once.</summary>
public sealed class ScramServer
{
    private readonly HashAlgorithmName _hash;
    private readonly string _userName;
    private readonly byte[] _salt;
    private readonly int _iterations;
    private readonly byte[] _storedKey;
    private readonly byte[] _serverKey;
    private readonly string _serverNonce;
    private string? _clientFirstBare;
    private string? _serverFirst;
    private string? _nonce;
    private string? _gs2Header;

    /// <param name="hash">SHA256 or SHA512.</param>
    /// <param name="userName">The only user this server knows.</param>
    /// <param name="password">Its password (turned into StoredKey and ServerKey at once, as a server's database holds them).</param>
    /// <param name="salt">The user's salt.</param>
    /// <param name="iterations">The user's PBKDF2 iteration count.</param>
    /// <param name="serverNonce">The server's part of the nonce; random when null (tests of the RFC vectors fix it).</param>
    public ScramServer(HashAlgorithmName hash, string userName, string password, byte[] salt, int iterations, string? serverNonce = null)
    {
        if (hash != HashAlgorithmName.SHA256 && hash != HashAlgorithmName.SHA512)
        {
            throw new ArgumentException("SHA256 or SHA512 only.", nameof(hash));
        }

        _hash = hash;
        _userName = userName;
        _salt = salt;
        _iterations = iterations;
        _serverNonce = serverNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var saltedPassword = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, hash, HashSize);
        _storedKey = Hash(Hmac(saltedPassword, "Client Key"u8.ToArray()));
        _serverKey = Hmac(saltedPassword, "Server Key"u8.ToArray());
    }

    /// <summary>"SCRAM-SHA-256" or "SCRAM-SHA-512".</summary>
    public string Method => _hash == HashAlgorithmName.SHA256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";

    private int HashSize => _hash == HashAlgorithmName.SHA256 ? 32 : 64;

    /// <summary>Reads client-first ("n,,n=user,r=nonce") and answers server-first ("r=...,s=...,i=...").</summary>
    /// <exception cref="ScramServerException">The message is malformed, asks for channel binding, or names another user.</exception>
    public string ServerFirst(string clientFirst)
    {
        // gs2-header = gs2-cbind-flag "," [authzid] ","; this server offers no channel binding and no authzid.
        if (clientFirst.StartsWith("p=", StringComparison.Ordinal))
        {
            throw new ScramServerException("channel-binding-not-supported", "the client asked for channel binding");
        }

        if (!clientFirst.StartsWith("n,,", StringComparison.Ordinal) && !clientFirst.StartsWith("y,,", StringComparison.Ordinal))
        {
            throw new ScramServerException("other-error", $"client-first does not start with a GS2 header this server accepts: '{clientFirst}'");
        }

        _gs2Header = clientFirst[..3];
        _clientFirstBare = clientFirst[3..];
        var attributes = _clientFirstBare.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("n=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal) || attributes[1].Length == 2)
        {
            throw new ScramServerException("other-error", $"client-first-bare is not 'n=user,r=nonce': '{_clientFirstBare}'");
        }

        var escaped = attributes[0][2..];
        if (escaped.Replace("=2C", string.Empty, StringComparison.Ordinal).Replace("=3D", string.Empty, StringComparison.Ordinal).Contains('=', StringComparison.Ordinal))
        {
            // RFC 5802 section 5.1: '=' not followed by "2C" or "3D" makes the user name invalid.
            throw new ScramServerException("invalid-username-encoding", $"user name '{escaped}' has a bare '='");
        }

        var userName = escaped.Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
        if (userName != _userName)
        {
            throw new ScramServerException("unknown-user", $"unknown user '{userName}'");
        }

        _nonce = attributes[1][2..] + _serverNonce;
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_salt)},i={_iterations}";
        return _serverFirst;
    }

    /// <summary>Verifies client-final ("c=biws,r=...,p=proof") and answers server-final ("v=signature").</summary>
    /// <exception cref="ScramServerException">The channel binding, nonce or proof is wrong, or server-first was never sent.</exception>
    public string ServerFinal(string clientFinal)
    {
        if (_serverFirst is null)
        {
            throw new ScramServerException("other-error", "client-final before client-first");
        }

        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            throw new ScramServerException("other-error", "client-final has no proof");
        }

        var withoutProof = clientFinal[..proofAt];
        var attributes = withoutProof.Split(',');
        var expectedBinding = "c=" + Convert.ToBase64String(Encoding.ASCII.GetBytes(_gs2Header!));
        if (attributes.Length < 2 || attributes[0] != expectedBinding)
        {
            throw new ScramServerException("channel-bindings-dont-match", $"expected {expectedBinding}, got '{attributes[0]}'");
        }

        if (attributes[1] != "r=" + _nonce)
        {
            throw new ScramServerException("other-error", "client-final nonce differs from the combined nonce");
        }

        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            throw new ScramServerException("invalid-encoding", "proof is not base64");
        }

        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var clientSignature = Hmac(_storedKey, authMessage);
        if (proof.Length != clientSignature.Length)
        {
            throw new ScramServerException("invalid-proof", "proof has the wrong length");
        }

        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        }

        if (!CryptographicOperations.FixedTimeEquals(Hash(clientKey), _storedKey))
        {
            throw new ScramServerException("invalid-proof", "the client's proof is wrong");
        }

        return "v=" + Convert.ToBase64String(Hmac(_serverKey, authMessage));
    }

    private byte[] Hmac(byte[] key, byte[] data) => _hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);

    private byte[] Hash(byte[] data) => _hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data) : SHA512.HashData(data);
}
