using System.Net;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;

namespace SecureMqtt.Tls.Managed;

/// <summary>
/// BouncyCastle's PSK client, narrowed to what the OpenSSL path offers: TLS 1.2 PSK key exchanges (forward-secret ones
/// first, no SHA-1 suites) and TLS 1.3 with the same identity and key as an external PSK. It records what the handshake
/// did (alerts, a certificate the server sent) so a failure can be explained.
/// </summary>
internal sealed class ManagedPskTlsClient : PskTlsClient
{
    // The order OpenSSL's default PSK list produces minus SHA-1, so both paths prefer the same suites.
    private static readonly int[] Tls12Suites =
    [
        CipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384,
        CipherSuite.TLS_DHE_PSK_WITH_AES_256_CBC_SHA384,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_DHE_PSK_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA384,
        CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256,
    ];

    // An OpenSSL server binds a psk_file key to SHA-256 under TLS 1.3, so only the SHA-256 suites can use it.
    private static readonly int[] Tls13Suites =
    [
        CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_AES_128_GCM_SHA256,
    ];

    private readonly KeyHolder _key;
    private readonly ProtocolVersion[] _versions;
    private readonly string? _serverName;

    private ManagedPskTlsClient(TlsCrypto crypto, KeyHolder key, ProtocolVersion[] versions, string? serverName)
        : base(crypto, key)
    {
        _key = key;
        _versions = versions;
        _serverName = serverName;
    }

    /// <summary>The alert the server sent, or -1.</summary>
    public short AlertReceived { get; private set; } = -1;

    /// <summary>What BouncyCastle said about the fatal alert this side raised, if it raised one.</summary>
    public string? AlertRaisedMessage { get; private set; }

    /// <summary>True when the server skipped the PSK and presented a certificate instead.</summary>
    public bool ServerSentCertificate { get; private set; }

    public bool HandshakeComplete { get; private set; }

    public bool OfferedTls13 => _versions.Any(TlsUtilities.IsTlsV13);

    public ProtocolVersion? NegotiatedVersion { get; private set; }

    public int NegotiatedCipherSuite { get; private set; }

    /// <summary>Creates a client with its own copy of <paramref name="key"/>; <see cref="ClearKey"/> zeroes it.</summary>
    public static ManagedPskTlsClient Create(TlsCrypto crypto, string identity, ReadOnlySpan<byte> key, ProtocolVersion[] versions, string? serverName) =>
        new(crypto, new KeyHolder(Encoding.UTF8.GetBytes(identity), key.ToArray()), versions, serverName);

    /// <summary>Zeroes this client's copy of the key once the handshake no longer needs it.</summary>
    public void ClearKey() => _key.Clear();

    protected override ProtocolVersion[] GetSupportedVersions() => _versions;

    protected override int[] GetSupportedCipherSuites() =>
        TlsUtilities.GetSupportedCipherSuites(Crypto, [.. OfferedTls13 ? Tls13Suites : [], .. Tls12Suites]);

    public override IList<TlsPskExternal>? GetExternalPsks()
    {
        if (!OfferedTls13)
        {
            return null;
        }

        // The binder is computed from this secret when the ClientHello is written, so it is needed only until then.
        var secret = Crypto.CreateSecret(_key.GetPsk());
        return [new BasicTlsPskExternal(_key.GetIdentity(), secret, PrfAlgorithm.tls13_hkdf_sha256)];
    }

    protected override IList<ServerName>? GetSniServerNames() =>
        // RFC 6066 section 3: SNI carries host names only, never IP literals.
        _serverName is { Length: > 0 } name && !IPAddress.TryParse(name, out _)
            ? [new ServerName(NameType.host_name, Encoding.ASCII.GetBytes(name))]
            : null;

    public override TlsAuthentication GetAuthentication()
    {
        // Called only when the server sends a certificate instead of using the PSK; nothing here could verify it.
        ServerSentCertificate = true;
        throw new TlsFatalAlert(AlertDescription.handshake_failure, "the server presented a certificate instead of using the pre-shared key");
    }

    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
    {
        if (alertLevel == AlertLevel.fatal)
        {
            AlertReceived = alertDescription;
        }
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause)
    {
        if (alertLevel == AlertLevel.fatal)
        {
            AlertRaisedMessage = message ?? cause?.Message;
        }
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        var parameters = m_context.SecurityParameters;
        NegotiatedVersion = parameters.NegotiatedVersion;
        NegotiatedCipherSuite = parameters.CipherSuite;
        HandshakeComplete = true;
    }

    /// <summary>The identity and key for the TLS 1.2 key exchange, in arrays this client owns and zeroes.</summary>
    private sealed class KeyHolder(byte[] identity, byte[] key) : TlsPskIdentity
    {
        public void SkipIdentityHint()
        {
        }

        public void NotifyIdentityHint(byte[] psk_identity_hint)
        {
        }

        public byte[] GetPskIdentity() => identity;

        public byte[] GetIdentity() => identity;

        public byte[] GetPsk() => key;

        public void Clear() => CryptographicOperations.ZeroMemory(key);
    }
}
