using System.Security.Authentication;

namespace SecureMqtt;

/// <summary>
/// How the client sets up TLS. Server verification is always on (CA file or OS trust store, hostname checked)
/// unless <see cref="AllowUntrustedServerCertificate"/> is set for development. Files are PEM unless stated.
/// </summary>
public sealed record MqttTlsOptions
{
    /// <summary>
    /// PEM file with the CA certificate(s) that issued the broker's certificate. Only these CAs are trusted when
    /// set; when null the operating system's trust store is used.
    /// </summary>
    public string? CaFile { get; init; }

    /// <summary>
    /// The name the server certificate must carry and that is sent as SNI. Defaults to
    /// <see cref="MqttClientOptions.Host"/>; set it when connecting by IP address to a broker whose certificate
    /// only names its DNS name.
    /// </summary>
    public string? TargetHost { get; init; }

    /// <summary>PEM file with the client certificate (optionally followed by its intermediate CAs), for mutual TLS.</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>
    /// PEM file with the client certificate's private key: RSA or EC, PKCS#8 (encrypted with
    /// <see cref="ClientKeyPassphrase"/> or not), PKCS#1 or SEC1. Null when the key is in
    /// <see cref="ClientCertificateFile"/>.
    /// </summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>Passphrase of an encrypted PKCS#8 private key ("BEGIN ENCRYPTED PRIVATE KEY").</summary>
    public string? ClientKeyPassphrase { get; init; }

    /// <summary>PKCS#12 (.p12/.pfx) file holding the client certificate and key, instead of PEM files.</summary>
    public string? Pkcs12File { get; init; }

    /// <summary>Password of <see cref="Pkcs12File"/>.</summary>
    public string? Pkcs12Password { get; init; }

    /// <summary>The lowest TLS version accepted: <see cref="SslProtocols.Tls12"/> (default) or <see cref="SslProtocols.Tls13"/>.</summary>
    public SslProtocols MinimumVersion { get; init; } = SslProtocols.Tls12;

    /// <summary>ALPN protocol names to offer (for example "mqtt" for brokers behind port 443); empty offers none.</summary>
    public IReadOnlyList<string> ApplicationProtocols { get; init; } = [];

    /// <summary>Check revocation of the server certificate chain online (off by default: private CAs rarely publish CRLs).</summary>
    public bool CheckCertificateRevocation { get; init; }

    /// <summary>
    /// DEVELOPMENT ONLY: accept any server certificate, trusted or not, for any host name. Anyone on the network
    /// path can then read and change the traffic. Every connection made with it logs a warning.
    /// </summary>
    public bool AllowUntrustedServerCertificate { get; init; }

    /// <summary>Tests pin one TLS version with this (to see TLS 1.2 and 1.3 behaviour apart); applications use MinimumVersion.</summary>
    internal SslProtocols? EnabledProtocolsOverride { get; init; }

    internal bool HasClientCertificate => ClientCertificateFile is not null || Pkcs12File is not null;

    /// <summary>Describes the options without revealing passphrases or passwords.</summary>
    /// <returns>A description that is safe to log.</returns>
    public override string ToString() =>
        $"MqttTlsOptions {{ CaFile = {CaFile ?? "(OS trust store)"}, TargetHost = {TargetHost}, " +
        $"ClientCertificateFile = {ClientCertificateFile}, ClientKeyFile = {ClientKeyFile}, " +
        $"ClientKeyPassphrase = {(ClientKeyPassphrase is null ? "null" : "***")}, Pkcs12File = {Pkcs12File}, " +
        $"Pkcs12Password = {(Pkcs12Password is null ? "null" : "***")}, MinimumVersion = {MinimumVersion}, " +
        $"ApplicationProtocols = [{string.Join(", ", ApplicationProtocols)}], " +
        $"CheckCertificateRevocation = {CheckCertificateRevocation}, AllowUntrustedServerCertificate = {AllowUntrustedServerCertificate} }}";
}
