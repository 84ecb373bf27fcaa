using System.Security.Authentication;

namespace SecureMqtt.Tls;

/// <summary>
/// Turns what SslStream threw into a specific failure. The inputs are the facts observed during the handshake and
/// OpenSSL's alert text, which .NET passes through in the inner exception (e.g. "tlsv1 alert protocol version").
/// </summary>
internal sealed partial class TlsHandshakeState
{
    /// <summary>Turns a failed handshake into the TLS failure kind with a plain message.</summary>
    public MqttTlsException Classify(Exception error, int port) => WithChain(ClassifyCore(error, port));

    /// <summary>Explains a failure on the first read after the handshake (TLS 1.3 client certificate rejection), or null.</summary>
    public MqttTlsException? ExplainEarlyFailure(Exception? error) => ExplainEarlyFailureCore(error) is { } failure ? WithChain(failure) : null;

    private MqttTlsException WithChain(MqttTlsException failure)
    {
        if (failure.ServerCertificateChain.Count == 0)
        {
            failure.ServerCertificateChain = ServerChain;
        }

        return failure;
    }

    private MqttTlsException ClassifyCore(Exception error, int port)
    {
        if (ValidationFailure is not null)
        {
            return ValidationFailure;
        }

        var text = Flatten(error);
        if (ClassifyAlert(text) is { } alert)
        {
            return alert;
        }

        if (Has(text, "protocol version") || Has(text, "unsupported protocol") || Has(text, "no protocols available"))
        {
            return new MqttTlsException(MqttTlsFailureKind.ProtocolVersionMismatch,
                $"The broker at '{targetHost}' and this client have no TLS version in common (client accepts {Offered}). " +
                "Lower MqttTlsOptions.MinimumVersion to Tls12, or enable TLS 1.2/1.3 on the broker (Mosquitto: tls_version).", error);
        }

        if (FirstServerByte is not (-1 or 0x15 or 0x16) || Has(text, "wrong version number") || Has(text, "packet format"))
        {
            return NotTls(port, error);
        }

        if (FirstServerByte == -1)
        {
            if (CertificateRequested && !ClientCertificateConfigured)
            {
                return ClientCertificateRequired(error);
            }

            // The caller probes whether the port speaks plain MQTT before calling it that.
            return new MqttTlsException(MqttTlsFailureKind.ConnectionClosedDuringHandshake,
                $"The broker at '{targetHost}' port {port} closed the connection without answering the TLS ClientHello with a single byte. " +
                "Check that the port is a TLS listener, and the broker's log for why it dropped the connection (connection limits, a firewall, an IP filter).", error);
        }

        if (Has(text, "handshake failure"))
        {
            if (CertificateRequested && !ClientCertificateConfigured)
            {
                return ClientCertificateRequired(error);
            }

            return new MqttTlsException(MqttTlsFailureKind.NoCommonCipherSuite,
                $"The broker at '{targetHost}' refused the handshake (alert handshake_failure) before any certificate was involved: it shares no cipher suite or signature algorithm with this client " +
                $"(client accepts {Offered}). OpenSSL brokers send this alert for both, so check the broker's 'ciphers'/'ciphers_tls1.3' settings and its key type; " +
                "a PSK-only listener also answers this way (use MqttTlsOptions.PreSharedKey).", error);
        }

        if (!Has(text, "alert") && (error is IOException || error.InnerException is IOException || Has(text, "unexpected EOF") || Has(text, "0 bytes") || Has(text, "reset")))
        {
            return new MqttTlsException(MqttTlsFailureKind.ConnectionClosedDuringHandshake,
                $"The broker at '{targetHost}' closed the connection in the middle of the TLS handshake without a TLS alert. " +
                "The broker's log says why (often a client certificate it could not verify, or a TLS setting it refuses).", error);
        }

        return new MqttTlsException(MqttTlsFailureKind.HandshakeFailed, $"The TLS handshake with '{targetHost}' failed: {text}", error);
    }

    private MqttTlsException? ExplainEarlyFailureCore(Exception? error)
    {
        var text = error is null ? string.Empty : Flatten(error);
        if (ClassifyAlert(text) is { } alert)
        {
            return alert;
        }

        if (CertificateRequested && !ClientCertificateConfigured)
        {
            return ClientCertificateRequired(error);
        }

        if (NegotiatedProtocol == SslProtocols.Tls13 && ClientCertificateConfigured && error is null or IOException)
        {
            // TLS 1.3 lets the client finish its handshake before the server has checked the client certificate;
            // a broker that then drops the connection before any MQTT byte has, in practice, refused the certificate
            // (its alert is often lost to the TCP reset caused by our CONNECT arriving at a closed socket).
            return new MqttTlsException(MqttTlsFailureKind.ClientCertificateRejected,
                $"The broker at '{targetHost}' closed the connection right after the TLS 1.3 handshake, before answering CONNECT: it most likely rejected the client certificate. " +
                "Use a client certificate issued by a CA the broker trusts (its cafile), not revoked (its crlfile), valid now and meant for client authentication.", error);
        }

        return null;
    }

    private string Offered => options.EnabledProtocolsOverride?.ToString() ?? (options.MinimumVersion == SslProtocols.Tls13 ? "TLS 1.3 only" : "TLS 1.2 and 1.3");

    private MqttTlsException? ClassifyAlert(string text)
    {
        if (Has(text, "certificate required"))
        {
            return ClientCertificateRequired(null);
        }

        (string Alert, string Meaning)[] rejections =
        [
            ("unknown ca", "it does not trust the CA that issued it (add that CA to the broker's cafile, or use a certificate from the broker's CA)"),
            ("certificate revoked", "the certificate is on the broker's CRL (crlfile): the device needs a new certificate"),
            ("certificate expired", "the certificate has expired (or the broker's clock is wrong): renew it"),
            ("unsupported certificate", "the certificate is not meant for client authentication (extended key usage clientAuth missing)"),
            ("bad certificate", "the certificate could not be verified (wrong CA, revoked, expired or malformed)"),
            ("certificate unknown", "the certificate could not be verified (wrong CA, revoked, expired or malformed)"),
            ("access denied", "it refused access for this certificate"),
            ("decrypt error", "the handshake signature made with the client key did not verify"),
        ];
        if (ClientCertificateConfigured && rejections.FirstOrDefault(r => Has(text, r.Alert)) is { Alert: not null } hit)
        {
            return new MqttTlsException(MqttTlsFailureKind.ClientCertificateRejected,
                $"The broker at '{targetHost}' rejected the client certificate (alert '{hit.Alert}'): {hit.Meaning}. " +
                "Use a client certificate issued by a CA the broker trusts, not revoked, valid now and meant for client authentication.");
        }

        return null;
    }

    private MqttTlsException ClientCertificateRequired(Exception? error) => new(MqttTlsFailureKind.ClientCertificateRequired,
        $"The broker at '{targetHost}' requires a client certificate and none was configured. Set MqttTlsOptions.ClientCertificateFile and ClientKeyFile (or Pkcs12File, or ClientCertificate).", error);

    public MqttTlsException NotTls(int port, Exception? error, string? evidence = null) => new(MqttTlsFailureKind.NotTls,
        $"The broker at '{targetHost}' port {port} does not speak TLS{(evidence is null ? string.Empty : $" ({evidence})")}: it is probably a plain MQTT listener. " +
        "Use its TLS port (8883 by convention), or set MqttClientOptions.Tls to null for plain TCP.", error);

    private static bool Has(string text, string fragment) => text.Contains(fragment, StringComparison.OrdinalIgnoreCase);

    private static string Flatten(Exception error)
    {
        var parts = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            parts.Add(e.Message);
        }

        return string.Join(" -> ", parts);
    }
}
