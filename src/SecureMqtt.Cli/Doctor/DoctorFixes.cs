namespace SecureMqtt.Cli.Doctor;

/// <summary>Which step a client failure belongs to, and the short fix printed under it.</summary>
internal static class DoctorFixes
{
    public static string StepOf(MqttTlsFailureKind kind) => kind switch
    {
        MqttTlsFailureKind.InvalidClientCertificate or MqttTlsFailureKind.InvalidCaFile or MqttTlsFailureKind.InvalidCrlFile
            or MqttTlsFailureKind.ClientKeyMismatch or MqttTlsFailureKind.WrongKeyPassphrase or MqttTlsFailureKind.PlatformNotSupported => DoctorSteps.Config,
        MqttTlsFailureKind.InvalidServerCertificate => DoctorSteps.Chain,
        MqttTlsFailureKind.UntrustedIssuer or MqttTlsFailureKind.SelfSignedServerCertificate or MqttTlsFailureKind.CertificateExpired
            or MqttTlsFailureKind.CertificateNotYetValid or MqttTlsFailureKind.MissingServerAuthUsage or MqttTlsFailureKind.CertificateRevoked
            or MqttTlsFailureKind.RevocationStatusUnknown or MqttTlsFailureKind.WeakServerCertificate or MqttTlsFailureKind.PinMismatch => DoctorSteps.Verify,
        MqttTlsFailureKind.HostnameMismatch => DoctorSteps.Hostname,
        MqttTlsFailureKind.ClientCertificateRequired or MqttTlsFailureKind.ClientCertificateRejected => DoctorSteps.ClientCertificate,
        _ => DoctorSteps.Hello,
    };

    public static string Fix(MqttTlsFailureKind kind) => kind switch
    {
        MqttTlsFailureKind.UntrustedIssuer => "Pass --cafile with the CA that issued the broker's certificate.",
        MqttTlsFailureKind.SelfSignedServerCertificate => "Issue the broker a certificate from your CA (smqtt certs server), or trust this one: --cafile <its certificate>, or --pin <its pin>.",
        MqttTlsFailureKind.HostnameMismatch => "Connect with -h set to one of the certificate's names, or re-issue the certificate with this name (smqtt certs server --dns/--ip).",
        MqttTlsFailureKind.CertificateExpired => "Renew the broker's certificate (smqtt certs server) and reload the broker; or fix this machine's clock.",
        MqttTlsFailureKind.CertificateNotYetValid => "Fix the clock of this machine (or of the machine that issued the certificate).",
        MqttTlsFailureKind.MissingServerAuthUsage => "Re-issue the broker's certificate as a server certificate (smqtt certs server).",
        MqttTlsFailureKind.CertificateRevoked => "Give the broker a newly issued certificate; do not trust this endpoint until then.",
        MqttTlsFailureKind.RevocationStatusUnknown => "Refresh the CRL (smqtt certs revoke, without arguments) and pass it with --crlfile.",
        MqttTlsFailureKind.InvalidCrlFile => "Pass --crlfile with a CRL issued by the broker certificate's CA (smqtt certs revoke writes crl.pem).",
        MqttTlsFailureKind.WeakServerCertificate => "Re-issue the broker's certificate with SHA-256 and an RSA 2048+ or EC P-256 key.",
        MqttTlsFailureKind.PinMismatch => "If the broker's key changed on purpose, pin the new key (--pin, as printed above); otherwise suspect interception.",
        MqttTlsFailureKind.ClientCertificateRequired => "Pass --cert and --key with a client certificate from the broker's CA (smqtt certs client).",
        MqttTlsFailureKind.ClientCertificateRejected => "Use a client certificate issued by the CA in the broker's cafile, not revoked, not expired (check: smqtt certs inspect <cert> --cafile <broker CA>).",
        MqttTlsFailureKind.ClientKeyMismatch => "Pass the --key that was created together with --cert.",
        MqttTlsFailureKind.WrongKeyPassphrase => "Give the key's passphrase (SMQTT_KEY_PASSPHRASE or the prompt).",
        MqttTlsFailureKind.InvalidClientCertificate => "Check the --cert/--key files: PEM, readable, RSA or EC.",
        MqttTlsFailureKind.InvalidCaFile => "Check the --cafile file: a readable PEM file with CA certificates.",
        MqttTlsFailureKind.NotTls => "Use the broker's TLS port (8883 by convention), or drop the TLS options for this plain port.",
        MqttTlsFailureKind.Timeout => "Check that a TLS listener (not something else) answers on this port, and firewalls.",
        MqttTlsFailureKind.ProtocolVersionMismatch => "Allow TLS 1.2 (--tls-version tlsv1.2) or enable TLS 1.3 on the broker.",
        MqttTlsFailureKind.NoCommonCipherSuite => "Check the broker's ciphers / ciphers_tls1.3 settings and key type; a PSK listener needs --psk.",
        MqttTlsFailureKind.ConnectionClosedDuringHandshake => "Read the broker's log: it says why it dropped the handshake.",
        MqttTlsFailureKind.PskIdentityUnknown => "Use an identity listed in the broker's psk_file (--psk-identity).",
        MqttTlsFailureKind.PskKeyMismatch => "Use the key the broker's psk_file holds for this identity (--psk).",
        MqttTlsFailureKind.PlatformNotSupported => "--psk-impl openssl needs OpenSSL 3 (libssl.so.3), which this platform lacks; use --psk-impl managed or leave it out.",
        _ => "Run with -d and read the broker's log.",
    };
}
