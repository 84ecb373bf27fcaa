// SCRAM over MQTT 5 enhanced authentication (RFC 5802 section 3 and 5, MQTT 5.0 section 4.12):
//
//  client CONNECT / AUTH 0x19  Authentication Data = client-first  "n,,n=<user>,r=<c-nonce>"
//  server AUTH 0x18            Authentication Data = server-first  "r=<c-nonce><s-nonce>,s=<salt>,i=<iterations>"
//  client AUTH 0x18            Authentication Data = client-final  "c=biws,r=<c-nonce><s-nonce>,p=<proof>"
//  server CONNACK / AUTH 0x00  Authentication Data = server-final  "v=<server signature>" (or "e=<error>")
//
//  SaltedPassword  = PBKDF2(HMAC, password, salt, iterations)
//  ClientKey       = HMAC(SaltedPassword, "Client Key")     ServerKey = HMAC(SaltedPassword, "Server Key")
//  StoredKey       = H(ClientKey)
//  AuthMessage     = client-first-bare + "," + server-first + "," + client-final-without-proof
//  ClientProof     = ClientKey XOR HMAC(StoredKey, AuthMessage)
//  ServerSignature = HMAC(ServerKey, AuthMessage)
using System.Security.Cryptography;
using System.Text;

namespace SecureMqtt.Authentication;

internal sealed class ScramExchange : IMqttAuthenticationExchange
{
    /// <summary>
    /// Far above any deployed setting (RFC 7677 asks for at least 4096) and still minutes, not hours, of PBKDF2:
    /// a hostile server cannot make the client spin forever.
    /// </summary>
    internal const int MaximumIterations = 10_000_000;

    // base64("n,,"): no channel binding, no authorization identity (RFC 5802 section 7, "cbind-input").
    private const string ChannelBinding = "c=biws";
    private const string Gs2Header = "n,,";

    private readonly MqttScramAlgorithm _algorithm;
    private readonly string _method;
    private readonly string _userName;
    private readonly string _clientNonce;
    private readonly int _hashSize;
    private byte[] _password;
    private byte[]? _clientFirstBare;
    private byte[]? _expectedServerSignature;
    private State _state;

    public ScramExchange(MqttScramAlgorithm algorithm, string method, string userName, byte[] password, string clientNonce)
    {
        _algorithm = algorithm;
        _method = method;
        _userName = userName;
        _password = (byte[])password.Clone();
        _clientNonce = clientNonce;
        _hashSize = algorithm == MqttScramAlgorithm.Sha256 ? SHA256.HashSizeInBytes : SHA512.HashSizeInBytes;
    }

    private enum State
    {
        Initial,
        SentClientFirst,
        SentClientFinal,
        Done,
    }

    public ValueTask<ReadOnlyMemory<byte>?> GetInitialDataAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_state != State.Initial)
        {
            throw new InvalidOperationException("The SCRAM exchange has already started; create a new exchange for each authentication.");
        }

        _clientFirstBare = Encoding.ASCII.GetBytes($"n={EscapeUserName(_userName)},r={_clientNonce}");
        var clientFirst = new byte[Gs2Header.Length + _clientFirstBare.Length];
        Encoding.ASCII.GetBytes(Gs2Header, clientFirst);
        _clientFirstBare.CopyTo(clientFirst.AsSpan(Gs2Header.Length));
        _state = State.SentClientFirst;
        return ValueTask.FromResult<ReadOnlyMemory<byte>?>(clientFirst);
    }

    public ValueTask<MqttAuthStep> ContinueAsync(ReadOnlyMemory<byte>? serverData, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (_state != State.SentClientFirst)
            {
                throw Failure(_state == State.Initial
                    ? "the server sent an AUTH challenge before the exchange started"
                    : "the server sent a second AUTH challenge; SCRAM has exactly one (server-first)");
            }

            if (serverData is not { } data)
            {
                throw Failure("the server's AUTH challenge carries no Authentication Data (server-first message)");
            }

            return ValueTask.FromResult(new MqttAuthStep(BuildClientFinal(data.Span)));
        }
        finally
        {
            // The password is needed for exactly one PBKDF2; keep it no longer than that, success or not.
            if (_state != State.SentClientFinal)
            {
                _state = State.Done;
            }

            CryptographicOperations.ZeroMemory(_password);
            _password = [];
        }
    }

    public ValueTask CompleteAsync(ReadOnlyMemory<byte>? serverFinalData, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_state != State.SentClientFinal || _expectedServerSignature is null)
        {
            throw Failure(_state == State.SentClientFirst
                ? "the server declared success before it sent its challenge, so it never proved it knows the password"
                : "the exchange is not waiting for the server's final message");
        }

        try
        {
            if (serverFinalData is not { } data)
            {
                throw Failure("the server declared success without a server-final message, so it never proved it knows the password");
            }

            var message = ScramAttributes.Parse(data.Span, _method, "server-final");
            if (message.TryGet('e', 0, out var error))
            {
                throw Failure($"the server reported SCRAM error '{error}'");
            }

            var signature = message.DecodeBase64(message.Require('v', 0, "server signature"), "server signature");
            if (!CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature))
            {
                throw Failure("the server's signature is wrong: the server does not know this user's credentials, or someone in between is answering for it");
            }

            return ValueTask.CompletedTask;
        }
        finally
        {
            _state = State.Done;
            CryptographicOperations.ZeroMemory(_expectedServerSignature);
            _expectedServerSignature = null;
        }
    }

    public void Dispose()
    {
        _state = State.Done;
        CryptographicOperations.ZeroMemory(_password);
        _password = [];
        if (_expectedServerSignature is not null)
        {
            CryptographicOperations.ZeroMemory(_expectedServerSignature);
            _expectedServerSignature = null;
        }
    }

    /// <summary>RFC 5802 section 5.1: ',' and '=' in a user name become "=2C" and "=3D".</summary>
    internal static string EscapeUserName(string userName) => userName.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);

    private byte[] BuildClientFinal(ReadOnlySpan<byte> serverFirst)
    {
        var message = ScramAttributes.Parse(serverFirst, _method, "server-first");
        if (message.TryGet('e', 0, out var error))
        {
            throw Failure($"the server reported SCRAM error '{error}'");
        }

        if (message.FirstName == 'm')
        {
            // RFC 5802 section 5.1: a client that does not understand a mandatory extension must fail.
            throw Failure("the server requires a mandatory SCRAM extension (m=), which this client does not support");
        }

        var nonce = message.Require('r', 0, "nonce");
        if (nonce.Length <= _clientNonce.Length || !nonce.StartsWith(_clientNonce, StringComparison.Ordinal))
        {
            // RFC 5802 section 5.1: the server's nonce is ours with its own part appended.
            throw Failure("the server's nonce does not extend the client's nonce");
        }

        foreach (var c in nonce)
        {
            if (c is < (char)0x21 or > (char)0x7E)
            {
                throw Failure("the server's nonce contains a character outside printable ASCII");
            }
        }

        var salt = message.DecodeBase64(message.Require('s', 1, "salt"), "salt");
        if (salt.Length == 0)
        {
            throw Failure("the server sent an empty salt");
        }

        var iterations = ParseIterations(message.Require('i', 2, "iteration count"));
        var clientFinalWithoutProof = Encoding.ASCII.GetBytes($"{ChannelBinding},r={nonce}");
        var authMessage = new byte[_clientFirstBare!.Length + 1 + serverFirst.Length + 1 + clientFinalWithoutProof.Length];
        var at = 0;
        Append(authMessage, ref at, _clientFirstBare);
        authMessage[at++] = (byte)',';
        Append(authMessage, ref at, serverFirst);
        authMessage[at++] = (byte)',';
        Append(authMessage, ref at, clientFinalWithoutProof);

        Span<byte> saltedPassword = stackalloc byte[_hashSize];
        Span<byte> clientKey = stackalloc byte[_hashSize];
        Span<byte> storedKey = stackalloc byte[_hashSize];
        Span<byte> clientSignature = stackalloc byte[_hashSize];
        Span<byte> serverKey = stackalloc byte[_hashSize];
        var serverSignature = new byte[_hashSize];
        try
        {
            var hash = _algorithm == MqttScramAlgorithm.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512;
            Rfc2898DeriveBytes.Pbkdf2(_password, salt, saltedPassword, iterations, hash);
            Hmac(saltedPassword, "Client Key"u8, clientKey);
            Hash(clientKey, storedKey);
            Hmac(storedKey, authMessage, clientSignature);
            Hmac(saltedPassword, "Server Key"u8, serverKey);
            Hmac(serverKey, authMessage, serverSignature);
            for (var i = 0; i < _hashSize; i++)
            {
                clientKey[i] ^= clientSignature[i];
            }

            var clientFinal = Encoding.ASCII.GetBytes($"{ChannelBinding},r={nonce},p={Convert.ToBase64String(clientKey)}");
            _expectedServerSignature = serverSignature;
            _state = State.SentClientFinal;
            return clientFinal;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(saltedPassword);
            CryptographicOperations.ZeroMemory(clientKey);
            CryptographicOperations.ZeroMemory(storedKey);
            CryptographicOperations.ZeroMemory(clientSignature);
            CryptographicOperations.ZeroMemory(serverKey);
        }
    }

    private static void Append(byte[] destination, ref int at, ReadOnlySpan<byte> source)
    {
        source.CopyTo(destination.AsSpan(at));
        at += source.Length;
    }

    private int ParseIterations(string text)
    {
        // RFC 5802 section 7: posit-number = %x31-39 *DIGIT.
        if (text.Length == 0 || text[0] == '0' || !text.All(char.IsAsciiDigit))
        {
            throw Failure($"the server's iteration count '{text}' is not a positive decimal number");
        }

        if (text.Length > 9 || int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) > MaximumIterations)
        {
            throw Failure($"the server's iteration count {text} is above the limit of {MaximumIterations:N0}; refused so a hostile server cannot stall the client");
        }

        return int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    private void Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = _algorithm == MqttScramAlgorithm.Sha256
            ? HMACSHA256.HashData(key, source, destination)
            : HMACSHA512.HashData(key, source, destination);
        System.Diagnostics.Debug.Assert(written == _hashSize, "HMAC size");
    }

    private void Hash(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = _algorithm == MqttScramAlgorithm.Sha256 ? SHA256.HashData(source, destination) : SHA512.HashData(source, destination);
        System.Diagnostics.Debug.Assert(written == _hashSize, "hash size");
    }

    private MqttAuthenticationException Failure(string reason)
    {
        _state = State.Done;
        return ScramAttributes.Failure(_method, reason);
    }
}
