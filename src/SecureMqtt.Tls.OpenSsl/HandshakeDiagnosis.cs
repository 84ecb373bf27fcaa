using System.Globalization;
using System.Text;
using static SecureMqtt.Tls.OpenSsl.OpenSslErrorQueue;

namespace SecureMqtt.Tls.OpenSsl;

/// <summary>Turns what OpenSSL and the peer did during a failed handshake into a <see cref="PskTlsException"/> that names cause and fix.</summary>
internal static class HandshakeDiagnosis
{
    public static PskTlsException FromOpenSsl(int sslError, string identity, bool offeredTls13, PskCredentials credentials)
    {
        var (reasons, text) = Drain();
        var (kind, message) = Classify(reasons, identity, offeredTls13, credentials);
        if (reasons.Count == 0 && sslError != 0)
        {
            message += string.Create(CultureInfo.InvariantCulture, $" (SSL_get_error {sslError}, no OpenSSL error queued)");
        }

        return Create(kind, message, text);
    }

    public static PskTlsException Create(PskTlsFailure kind, string message, string openSslErrors = "", Exception? inner = null)
    {
        var full = openSslErrors.Length == 0 ? message : message + " OpenSSL: " + openSslErrors.Replace('\n', ';');
        return new PskTlsException(kind, full, inner) { OpenSslErrors = openSslErrors };
    }

    /// <summary>True for the first byte of a TLS record: change_cipher_spec, alert, handshake, application_data, heartbeat.</summary>
    public static bool IsTlsRecordStart(byte first) => first is >= 20 and <= 24;

    public static PskTlsException NotTls(ReadOnlySpan<byte> received)
    {
        var what = received[0] switch
        {
            // A broker that speaks plain MQTT reads our ClientHello as a malformed packet; the ones that answer at all send CONNACK (0x20).
            0x20 => "an MQTT CONNACK: the port speaks plain MQTT, not TLS; use the broker's TLS-PSK listener port",
            _ when IsPrintable(received) => $"text \"{Printable(received)}\": the port runs a plain-text protocol, not TLS",
            _ => $"bytes {Convert.ToHexString(received[..Math.Min(8, received.Length)])}, which are not a TLS record",
        };
        return Create(PskTlsFailure.NotTls, $"The server answered the TLS ClientHello with {what}.");
    }

    public static PskTlsException ClosedDuringHandshake(bool receivedAnything, Exception? inner = null)
    {
        var stage = !receivedAnything
            ? "before sending any TLS record back. A plain MQTT listener (no TLS) or a TLS listener that cannot serve PSK does this; check the port and that the broker's listener has psk_hint and psk_file set"
            : "after it had started answering. The broker may have rejected the identity or key without sending an alert; check its log";
        return Create(PskTlsFailure.ConnectionClosed, $"The server closed the connection during the TLS handshake, {stage}.", inner: inner);
    }

    private static (PskTlsFailure Kind, string Message) Classify(List<int> reasons, string identity, bool offeredTls13, PskCredentials credentials)
    {
        if (credentials.CallbackFailure is { } failure)
        {
            return (PskTlsFailure.HandshakeFailed, $"The PSK could not be handed to OpenSSL: {failure}.");
        }

        foreach (var reason in reasons)
        {
            switch (reason)
            {
                case ReasonAlertUnknownPskIdentity:
                    return (PskTlsFailure.UnknownIdentity, $"The server does not know the PSK identity '{identity}'. Add '{identity}:<hex key>' to the broker's psk_file, or use an identity it lists.");
                case ReasonAlertBadRecordMac or ReasonAlertDecryptionFailed or ReasonAlertDecryptError or ReasonBinderDoesNotVerify
                    or ReasonDecryptionFailedOrBadRecordMac or ReasonDigestCheckFailed:
                    return (PskTlsFailure.KeyMismatch, $"The server knows the identity '{identity}' but its key differs from ours (the handshake's integrity check failed). Compare the hex key with the broker's psk_file entry.");
                case ReasonAlertIllegalParameter when offeredTls13 && credentials.CallbackCount > 0:
                    // OpenSSL servers answer a TLS 1.3 PSK binder made with the wrong key with illegal_parameter (measured against s_server 3.0).
                    return (PskTlsFailure.KeyMismatch, $"The server rejected the TLS 1.3 PSK binder for identity '{identity}' (illegal_parameter): the key most likely differs from the broker's psk_file entry.");
                case ReasonAlertHandshakeFailure when offeredTls13:
                    return (PskTlsFailure.UnknownIdentity, $"The server refused the handshake (handshake_failure). Under TLS 1.3 an OpenSSL-based broker such as Mosquitto answers this way when it has no key for identity '{identity}'; check the broker's psk_file. (Under TLS 1.2 it would mean no shared PSK cipher suite.)");
                case ReasonAlertHandshakeFailure or ReasonNoSharedCipher or ReasonNoCiphersAvailable or ReasonAlertInsufficientSecurity:
                    return (PskTlsFailure.NoSharedCipher, "Client and server share no PSK cipher suite: either the listener has no PSK configured (Mosquitto needs psk_hint and psk_file on it) or its cipher list excludes every PSK suite we offer.");
                case ReasonAlertProtocolVersion or ReasonUnsupportedProtocol or ReasonNoProtocolsAvailable:
                    return (PskTlsFailure.ProtocolVersionMismatch, "Client and server share no TLS version: check the broker's tls_version and this client's MinimumVersion/MaximumVersion (PSK needs TLS 1.2 or 1.3).");
                case ReasonCertificateVerifyFailed:
                    return (PskTlsFailure.PskNotUsed, "The server did not accept the pre-shared key and presented a certificate instead; a PSK client does not trust certificates. The listener is probably a certificate listener, or (TLS 1.3) has no key for this identity.");
                case ReasonWrongVersionNumber or ReasonPacketLengthTooLong:
                    return (PskTlsFailure.NotTls, "The server's answer is not a valid TLS record; the port probably speaks another protocol.");
                case ReasonUnexpectedEof:
                    return (PskTlsFailure.ConnectionClosed, "The server closed the connection in the middle of the TLS handshake.");
            }
        }

        return (PskTlsFailure.HandshakeFailed, "The TLS-PSK handshake failed.");
    }

    private static bool IsPrintable(ReadOnlySpan<byte> bytes)
    {
        var sample = bytes[..Math.Min(16, bytes.Length)];
        foreach (var b in sample)
        {
            if (b is not ((>= 0x20 and < 0x7F) or (byte)'\r' or (byte)'\n' or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.ASCII.GetString(bytes[..Math.Min(40, bytes.Length)]);
        var line = text.Split('\r', '\n')[0];
        return line;
    }
}
