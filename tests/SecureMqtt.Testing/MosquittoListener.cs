namespace SecureMqtt.Testing;

/// <summary>One Mosquitto listener: where it listens and how it authenticates. Paths must be absolute.</summary>
public sealed record MosquittoListener
{
    /// <summary>TCP port; use <see cref="FreePort"/>.</summary>
    public required int Port { get; init; }

    /// <summary>Address to bind. Default 127.0.0.1.</summary>
    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>CA certificates the broker trusts for client certificates (also required by Mosquitto for any TLS listener).</summary>
    public string? CaFile { get; init; }

    /// <summary>Broker certificate; setting it (with <see cref="KeyFile"/>) makes this a TLS listener.</summary>
    public string? CertFile { get; init; }

    /// <summary>Broker private key (unencrypted PEM).</summary>
    public string? KeyFile { get; init; }

    /// <summary>Demand a client certificate signed by <see cref="CaFile"/> (mutual TLS).</summary>
    public bool RequireCertificate { get; init; }

    /// <summary>Use the client certificate's CN as the MQTT user name (for ACLs).</summary>
    public bool UseIdentityAsUsername { get; init; }

    /// <summary>Certificate revocation list (PEM) checked for client certificates.</summary>
    public string? CrlFile { get; init; }

    /// <summary>Minimum TLS version, e.g. <c>tlsv1.2</c> (Mosquitto treats it as a minimum). Null: Mosquitto's default.</summary>
    public string? TlsVersion { get; init; }

    /// <summary>Allow clients without credentials. Default true.</summary>
    public bool AllowAnonymous { get; init; } = true;

    /// <summary>ACL file for this listener.</summary>
    public string? AclFile { get; init; }

    /// <summary>Mosquitto password file for this listener.</summary>
    public string? PasswordFile { get; init; }

    /// <summary>TLS-PSK identity hint; setting it (with <see cref="PskFile"/>) makes this a PSK listener.</summary>
    public string? PskHint { get; init; }

    /// <summary>TLS-PSK file (<c>identity:hexkey</c> lines).</summary>
    public string? PskFile { get; init; }

    /// <summary>Further lines copied verbatim into this listener's section.</summary>
    public IReadOnlyList<string> ExtraLines { get; init; } = [];

    /// <summary>This listener's section of mosquitto.conf.</summary>
    public string ToConfig()
    {
        var lines = new List<string> { $"listener {Port} {BindAddress}" };
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                lines.Add($"{name} {value}");
            }
        }

        Add("cafile", CaFile);
        Add("certfile", CertFile);
        Add("keyfile", KeyFile);
        if (CertFile is not null || PskHint is not null)
        {
            Add("require_certificate", RequireCertificate ? "true" : "false");
            Add("use_identity_as_username", UseIdentityAsUsername ? "true" : "false");
        }

        Add("crlfile", CrlFile);
        Add("tls_version", TlsVersion);
        Add("psk_hint", PskHint);
        Add("psk_file", PskFile);
        Add("acl_file", AclFile);
        Add("password_file", PasswordFile);
        Add("allow_anonymous", AllowAnonymous ? "true" : "false");
        lines.AddRange(ExtraLines);
        return string.Join('\n', lines) + "\n";
    }
}
