using System.Security.Authentication;

namespace SecureMqtt.Cli.Common;

/// <summary>mosquitto's TLS options. Any of them turns TLS on (and the default port to 8883), as in mosquitto.</summary>
internal sealed class TlsArguments
{
    public string? CaFile { get; set; }

    public string? CaPath { get; set; }

    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>--pkcs12: client certificate and key in one PKCS#12 file, instead of --cert/--key.</summary>
    public string? Pkcs12File { get; set; }

    public SslProtocols MinimumVersion { get; set; } = SslProtocols.Tls12;

    public List<string> Alpn { get; } = [];

    public bool Insecure { get; set; }

    public bool UseOsCertificates { get; set; }

    public string? PskHex { get; set; }

    public string? PskIdentity { get; set; }

    /// <summary>--psk-impl: which TLS implementation carries --psk; null leaves the library's Auto.</summary>
    public MqttPskImplementation? PskImplementation { get; set; }

    /// <summary>--pin: public-key pins (sha256/...); with no CA option they replace CA verification (PinOnly).</summary>
    public List<string> Pins { get; } = [];

    public string? CrlFile { get; set; }

    public bool Enabled { get; private set; }

    /// <summary>An mqtts:// or wss:// URL asks for TLS without any TLS option.</summary>
    public void TurnOn() => Enabled = true;

    public bool TryParse(string option, ArgumentCursor cursor)
    {
        switch (option)
        {
            case "--cafile":
                CaFile = cursor.Value(option, "certificate");
                break;
            case "--capath":
                CaPath = cursor.Value(option, "certificate directory");
                break;
            case "--cert":
                CertFile = cursor.Value(option, "certificate");
                break;
            case "--key":
                KeyFile = cursor.Value(option, "key");
                break;
            case "--pkcs12":
                Pkcs12File = cursor.Value(option, "PKCS#12 file");
                break;
            case "--keyform":
                var form = cursor.Value(option, "keyform");
                if (form != "pem")
                {
                    throw new UsageException($"--keyform {form} is not supported because SecureMqtt reads PEM keys only (OpenSSL engines are not available in .NET).");
                }

                break;
            case "--tls-version":
                MinimumVersion = cursor.Value(option, "TLS version") switch
                {
                    "tlsv1.3" => SslProtocols.Tls13,
                    "tlsv1.2" => SslProtocols.Tls12,
                    var v => throw new UsageException($"--tls-version {v} is not supported because SecureMqtt requires TLS 1.2 or newer (use tlsv1.2 or tlsv1.3)."),
                };
                break;
            case "--tls-alpn":
                Alpn.Add(cursor.Value(option, "protocol"));
                break;
            case "--insecure":
                Insecure = true;
                break;
            case "--tls-use-os-certs":
                UseOsCertificates = true;
                break;
            case "--psk":
                PskHex = cursor.Value(option, "key");
                break;
            case "--psk-identity":
                PskIdentity = cursor.Value(option, "identity");
                break;
            case "--psk-impl":
                PskImplementation = cursor.Value(option, "implementation") switch
                {
                    "auto" => MqttPskImplementation.Auto,
                    "openssl" => MqttPskImplementation.OpenSsl,
                    "managed" => MqttPskImplementation.Managed,
                    var v => throw new UsageException($"--psk-impl {v} is not known: use auto (OpenSSL 3 where it loads, else managed), openssl or managed."),
                };
                break;
            case "--pin":
                Pins.Add(cursor.Value(option, "pin"));
                break;
            case "--crlfile":
                CrlFile = cursor.Value(option, "CRL file");
                break;
            default:
                return false;
        }

        Enabled = true;
        return true;
    }

    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }

        if (PskImplementation is not null && PskHex is null)
        {
            throw new UsageException("--psk-impl chooses how --psk connects: give it together with --psk and --psk-identity.");
        }

        if (PskHex is not null || PskIdentity is not null)
        {
            if (PskHex is null || PskIdentity is null)
            {
                throw new UsageException("--psk and --psk-identity must be given together.");
            }

            if (CaFile is not null || CaPath is not null || CertFile is not null || Pkcs12File is not null || UseOsCertificates || Insecure || Alpn.Count > 0 || Pins.Count > 0 || CrlFile is not null)
            {
                throw new UsageException("Only one of --psk or --cafile/--capath/--cert/--pkcs12/--tls-use-os-certs may be used at once.");
            }
        }

        foreach (var pin in Pins)
        {
            if (!IsPin(pin))
            {
                throw new UsageException($"--pin '{pin}' is not a public-key pin: the form is sha256/<base64 of 32 bytes>, as 'smqtt certs inspect' prints it.");
            }
        }

        if (CrlFile is not null && !File.Exists(CrlFile))
        {
            throw new UsageException($"Problem setting TLS options: crlfile \"{CrlFile}\" not found.");
        }

        if (Pkcs12File is not null && (CertFile is not null || KeyFile is not null))
        {
            throw new UsageException("--pkcs12 holds the client certificate and its key: give either --pkcs12 or --cert and --key, not both.");
        }

        if ((CertFile is null) != (KeyFile is null))
        {
            throw new UsageException("Both certfile and keyfile must be provided if one of them is set.");
        }

        if (CaFile is not null && !File.Exists(CaFile))
        {
            throw new UsageException($"Unable to load CA certificates, check cafile \"{CaFile}\": no such file.");
        }

        if (CaPath is not null && !Directory.Exists(CaPath))
        {
            throw new UsageException($"Unable to load CA certificates, check capath \"{CaPath}\": no such directory.");
        }

        foreach (var (path, what) in new[] { (CertFile, "certfile"), (KeyFile, "keyfile"), (Pkcs12File, "pkcs12 file") })
        {
            if (path is not null && !File.Exists(path))
            {
                throw new UsageException($"Problem setting TLS options: {what} \"{path}\" not found.");
            }
        }
    }

    private static bool IsPin(string pin)
    {
        Span<byte> hash = stackalloc byte[48];
        return pin.StartsWith("sha256/", StringComparison.Ordinal) && Convert.TryFromBase64String(pin["sha256/".Length..], hash, out var length) && length == 32;
    }
}
