namespace SecureMqtt.Tls;

/// <summary>The checks on the pinning, revocation, weak-crypto and PSK settings, run at connect.</summary>
internal static class TlsOptionsValidation
{
    public static void Validate(MqttTlsOptions tls)
    {
        const string Prefix = nameof(MqttClientOptions.Tls) + ".";
        var pins = tls.PinnedPublicKeys ?? throw new ArgumentException($"PinnedPublicKeys must not be null (option {Prefix}PinnedPublicKeys).", Prefix + nameof(tls.PinnedPublicKeys));
        for (var i = 0; i < pins.Count; i++)
        {
            if (PublicKeyPins.Problem(pins[i]) is { } problem)
            {
                throw new ArgumentException($"PinnedPublicKeys[{i}] {problem}. (option {Prefix}PinnedPublicKeys)", Prefix + nameof(tls.PinnedPublicKeys));
            }
        }

        Require(!tls.PinOnly || pins.Count > 0, nameof(tls.PinOnly), "PinOnly is set but PinnedPublicKeys is empty: nothing would be trusted.");
        Require(!(tls.PinOnly && tls.HasCustomCa), nameof(tls.PinOnly),
            $"PinOnly contradicts {(tls.CaFile is null ? nameof(tls.CaCertificates) : nameof(tls.CaFile))}: either trust the CA (and optionally pin on top of it, without PinOnly) or trust only the pinned key.");
        Require(!(tls.AllowUntrustedServerCertificate && (pins.Count > 0 || tls.CrlFile is not null)), nameof(tls.AllowUntrustedServerCertificate),
            "AllowUntrustedServerCertificate switches verification off, which contradicts PinnedPublicKeys and CrlFile.");
        Require(tls.HandshakeTimeout is null || tls.HandshakeTimeout > TimeSpan.Zero, nameof(tls.HandshakeTimeout), "HandshakeTimeout must be positive.");
        Require(Enum.IsDefined(tls.PskImplementation), nameof(tls.PskImplementation), "PskImplementation must be Auto, OpenSsl or Managed.");

        if (tls.PreSharedKey is { } psk)
        {
            Require(!psk.IsDisposed, nameof(tls.PreSharedKey), "The pre-shared key has been disposed (its bytes are zeroed); create a new MqttPreSharedKey.");
            Require(psk.Identity.Length > 0 && !psk.Identity.Contains('\0', StringComparison.Ordinal) && System.Text.Encoding.UTF8.GetByteCount(psk.Identity) <= 256,
                nameof(tls.PreSharedKey), "The PSK identity must be 1 to 256 UTF-8 bytes without NUL characters.");
            Require(psk.Key.Length <= 512, nameof(tls.PreSharedKey), "The PSK key must be at most 512 bytes.");
            string[] conflicting =
            [
                .. tls.CaFile is null ? Array.Empty<string>() : [nameof(tls.CaFile)],
                .. tls.CaCertificates is null ? Array.Empty<string>() : [nameof(tls.CaCertificates)],
                .. tls.HasClientCertificate ? [nameof(tls.ClientCertificateFile) + "/" + nameof(tls.Pkcs12File) + "/" + nameof(tls.ClientCertificate)] : Array.Empty<string>(),
                .. pins.Count == 0 && !tls.PinOnly ? Array.Empty<string>() : [nameof(tls.PinnedPublicKeys)],
                .. tls.CrlFile is null ? Array.Empty<string>() : [nameof(tls.CrlFile)],
                .. tls.CheckCertificateRevocation ? [nameof(tls.CheckCertificateRevocation)] : Array.Empty<string>(),
                .. tls.AllowUntrustedServerCertificate ? [nameof(tls.AllowUntrustedServerCertificate)] : Array.Empty<string>(),
                .. tls.AllowWeakServerCertificates ? [nameof(tls.AllowWeakServerCertificates)] : Array.Empty<string>(),
                .. tls.ApplicationProtocols.Count == 0 ? Array.Empty<string>() : [nameof(tls.ApplicationProtocols)],
            ];
            Require(conflicting.Length == 0, nameof(tls.PreSharedKey),
                $"PreSharedKey (TLS-PSK, no certificates) contradicts {string.Join(", ", conflicting)}: use either a pre-shared key or certificates.");
        }

        static void Require(bool condition, string option, string message)
        {
            if (!condition)
            {
                throw new ArgumentException($"{message} (option {Prefix}{option})", Prefix + option);
            }
        }
    }
}
