using Microsoft.Extensions.Logging;

namespace SecureMqtt;

/// <summary>TLS log lines (event ids 100-119), kept apart from the core file so the TLS layer can grow on its own.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Warning, "AllowWeakServerCertificates is set: the server chain of {Host} uses weak cryptography ({Weakness}) and was accepted anyway. Re-issue the broker's certificate with SHA-256 and a 2048-bit RSA or 256-bit EC key.")]
    public static partial void WeakServerCertificateAllowed(ILogger logger, string host, string weakness);

    [LoggerMessage(101, LogLevel.Debug, "Server {Host} trusted by its pinned public key {Pin} (PinOnly: chain and host name not checked)")]
    public static partial void TrustedByPin(ILogger logger, string host, string pin);

    [LoggerMessage(102, LogLevel.Debug, "Server certificate of {Host} checked against {Count} CRL(s) from {CrlFile}: not revoked")]
    public static partial void CrlChecked(ILogger logger, string host, int count, string crlFile);

    [LoggerMessage(103, LogLevel.Debug, "TLS-PSK established with {Host}: {Protocol}, {CipherSuite}, identity '{Identity}', session resumed: {Resumed}")]
    public static partial void PskEstablished(ILogger logger, string host, string protocol, string cipherSuite, string identity, bool resumed);
}
