using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

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
    /// The CA certificate(s) that issued the broker's certificate, as objects instead of <see cref="CaFile"/>: for CAs
    /// read from a secret store, an OS certificate store or embedded in the application. Only these CAs are trusted
    /// when set, exactly as with <see cref="CaFile"/> (pinning, CRL and the failure messages behave the same);
    /// contradicts <see cref="CaFile"/>. The collection is read at every connect, so do not change it while connecting.
    /// </summary>
    public X509Certificate2Collection? CaCertificates { get; init; }

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

    /// <summary>
    /// The client certificate for mutual TLS as an object with its private key (<see cref="X509Certificate2.HasPrivateKey"/>),
    /// instead of the file options: for keys from a secret store, an OS certificate store or a hardware-backed key.
    /// Contradicts <see cref="ClientCertificateFile"/> and <see cref="Pkcs12File"/>. The client does not dispose it.
    /// Intermediate CAs are found by the platform's chain builder without network access; when the broker needs them
    /// and they are not in a store, use <see cref="Pkcs12File"/> or a PEM chain file instead.
    /// </summary>
    public X509Certificate2? ClientCertificate { get; init; }

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

    /// <summary>
    /// Public-key pins, each <c>sha256/&lt;base64 of the SHA-256 of the SubjectPublicKeyInfo&gt;</c> as
    /// <c>smqtt certs inspect</c> prints it. When set, the server's chain must contain one of these keys, in addition to
    /// CA verification (any key in the verified chain may match: leaf, intermediate or root). List the current and
    /// the next key to rotate without an outage. See <see cref="PinOnly"/> to trust the pin instead of a CA.
    /// </summary>
    public IReadOnlyList<string> PinnedPublicKeys { get; init; } = [];

    /// <summary>
    /// Trust the server because its own certificate's key matches one of <see cref="PinnedPublicKeys"/>, instead of
    /// verifying a chain to a CA: for brokers with a self-signed or privately issued certificate. The chain and the
    /// host name are then not checked (the pinned key is the identity); validity dates, the serverAuth usage and the
    /// weak-crypto policy still are. Only the server certificate's own key can match, since without CA verification
    /// nothing proves the server holds an intermediate's key. Requires pins; contradicts <see cref="CaFile"/>.
    /// </summary>
    public bool PinOnly { get; init; }

    /// <summary>
    /// A CRL file (PEM, possibly several CRLs, or DER) checked offline against the server chain: the CA that issued
    /// the server certificate must have a CRL in it, the CRL's signature must verify with that CA's key and it must
    /// not have expired. Signatures: RSA PKCS#1 v1.5, RSA-PSS (salt as long as the hash) and ECDSA. A CRL the client
    /// cannot honour completely (a delta or indirect CRL, an unknown critical extension; RFC 5280 section 5.2) makes
    /// the file an <see cref="MqttTlsFailureKind.InvalidCrlFile"/> before connecting. Independent of
    /// <see cref="CheckCertificateRevocation"/> (online).
    /// </summary>
    public string? CrlFile { get; init; }

    /// <summary>
    /// Accept server chains with weak cryptography (SHA-1 or MD5 signatures, RSA/DSA keys under 2048 bits, EC keys
    /// under 224 bits), which are refused by default with <see cref="MqttTlsFailureKind.WeakServerCertificate"/>.
    /// Only for old devices that cannot be re-issued; every connection that relies on it logs a warning.
    /// </summary>
    public bool AllowWeakServerCertificates { get; init; }

    /// <summary>
    /// Connect with TLS-PSK (an identity and a shared key, no certificates) instead of certificate TLS, as
    /// Mosquitto's <c>psk_hint</c>/<c>psk_file</c> listeners expect. Runs over the system OpenSSL 3 where it loads and
    /// over a managed implementation elsewhere (see <see cref="PskImplementation"/>). Contradicts the CA, client
    /// certificate, pin, CRL and ALPN settings.
    /// </summary>
    public MqttPreSharedKey? PreSharedKey { get; init; }

    /// <summary>
    /// Which TLS implementation carries <see cref="PreSharedKey"/>: <see cref="MqttPskImplementation.Auto"/> (default)
    /// takes the system OpenSSL 3 where it loads and the managed one elsewhere. Ignored without a pre-shared key.
    /// </summary>
    public MqttPskImplementation PskImplementation { get; init; }

    /// <summary>
    /// How long the TLS handshake may take after TCP connected, e.g. against a peer that accepts the connection and
    /// stays silent. Null (default): only <see cref="MqttClientOptions.ConnectTimeout"/> applies.
    /// </summary>
    public TimeSpan? HandshakeTimeout { get; init; }

    /// <summary>
    /// Let a later connection to the same server resume the TLS session an earlier one was given (a TLS 1.3 ticket or
    /// a TLS 1.2 session id), as reconnects do by default: the server's certificate was verified when the session was
    /// made, and Mosquitto takes the ticket when a client certificate is configured. Off makes every connection a
    /// full handshake with the certificate checks, for example to measure one. Applies to TLS-PSK's session cache too.
    /// </summary>
    public bool AllowSessionResumption { get; init; } = true;

    /// <summary>Tests pin one TLS version with this (to see TLS 1.2 and 1.3 behaviour apart); applications use MinimumVersion.</summary>
    internal SslProtocols? EnabledProtocolsOverride { get; init; }

    internal bool HasClientCertificate => ClientCertificateFile is not null || Pkcs12File is not null || ClientCertificate is not null;

    /// <summary>A private CA replaces the OS trust store, whether it came as a file or as objects.</summary>
    internal bool HasCustomCa => CaFile is not null || CaCertificates is not null;

    /// <summary>Where the trusted CAs come from, as failure messages name it.</summary>
    internal string CaSource => CaFile is not null ? $"the CA file '{CaFile}'"
        : CaCertificates is not null ? $"MqttTlsOptions.CaCertificates ({Describe(CaCertificates)})"
        : "the operating system's trust store";

    // A disposed certificate throws when asked its subject; describing options must not.
    private static string SubjectOf(X509Certificate2 certificate) => certificate.Handle == IntPtr.Zero ? "(disposed)" : $"'{certificate.Subject}'";

    private static string Describe(X509Certificate2Collection certificates) => certificates.Count switch
    {
        0 => "empty",
        1 => SubjectOf(certificates[0]),
        _ => string.Join(", ", certificates.Take(3).Select(SubjectOf)) + (certificates.Count > 3 ? $" and {certificates.Count - 3} more" : string.Empty),
    };

    /// <summary>Describes the options without revealing passphrases or passwords.</summary>
    /// <returns>A description that is safe to log.</returns>
    public override string ToString() =>
        $"MqttTlsOptions {{ CaFile = {CaFile ?? (CaCertificates is null ? "(OS trust store)" : "null")}, " +
        $"CaCertificates = {(CaCertificates is null ? "null" : Describe(CaCertificates))}, TargetHost = {TargetHost}, " +
        $"ClientCertificateFile = {ClientCertificateFile}, ClientKeyFile = {ClientKeyFile}, " +
        $"ClientKeyPassphrase = {(ClientKeyPassphrase is null ? "null" : "***")}, Pkcs12File = {Pkcs12File}, " +
        $"Pkcs12Password = {(Pkcs12Password is null ? "null" : "***")}, " +
        $"ClientCertificate = {(ClientCertificate is null ? "null" : SubjectOf(ClientCertificate))}, MinimumVersion = {MinimumVersion}, " +
        $"ApplicationProtocols = [{string.Join(", ", ApplicationProtocols)}], " +
        $"CheckCertificateRevocation = {CheckCertificateRevocation}, AllowUntrustedServerCertificate = {AllowUntrustedServerCertificate}, " +
        $"PinnedPublicKeys = [{string.Join(", ", PinnedPublicKeys)}], PinOnly = {PinOnly}, CrlFile = {CrlFile}, " +
        $"AllowWeakServerCertificates = {AllowWeakServerCertificates}, PreSharedKey = {PreSharedKey?.ToString() ?? "null"}, " +
        $"PskImplementation = {PskImplementation}, " +
        $"HandshakeTimeout = {HandshakeTimeout?.ToString() ?? "null"}, AllowSessionResumption = {AllowSessionResumption} }}";
}
