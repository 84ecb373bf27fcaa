using System.Text;
using Org.BouncyCastle.Tls;
using SecureMqtt.Tls.OpenSsl;

namespace SecureMqtt.Tls.Managed;

/// <summary>
/// Turns what BouncyCastle and the server did in a failed handshake into the <see cref="PskTlsException"/> kinds the
/// OpenSSL path reports, so <see cref="PskTransport"/> maps both to the same <see cref="MqttTlsFailureKind"/>.
/// </summary>
internal static class ManagedPskDiagnosis
{
    public static PskTlsException FromBouncyCastle(IOException error, ManagedPskTlsClient client, string identity, bool receivedAnything)
    {
        if (client.ServerSentCertificate)
        {
            return new PskTlsException(PskTlsFailure.PskNotUsed,
                "The server did not accept the pre-shared key and presented a certificate instead; a PSK client does not trust certificates. The listener is probably a certificate listener, or (TLS 1.3) has no key for this identity.", error);
        }

        if (error is TlsFatalAlertReceived received)
        {
            var (kind, message) = Classify(received.AlertDescription, fromServer: true, client, identity);
            return new PskTlsException(kind, $"{message} (alert {AlertDescription.GetText(received.AlertDescription)} from the server)", error);
        }

        if (error is TlsFatalAlert raised)
        {
            var (kind, message) = Classify(raised.AlertDescription, fromServer: false, client, identity);
            return new PskTlsException(kind, $"{message} (this client raised {AlertDescription.GetText(raised.AlertDescription)}: {client.AlertRaisedMessage ?? raised.Message})", error);
        }

        return error is EndOfStreamException
            ? ClosedDuringHandshake(receivedAnything, client, identity, error)
            : new PskTlsException(PskTlsFailure.HandshakeFailed, $"The TLS-PSK handshake failed: {error.Message}", error);
    }

    public static PskTlsException ClosedDuringHandshake(bool receivedAnything, ManagedPskTlsClient client, string identity, Exception? inner = null)
    {
        // A server that sent an alert and then closed has already told us why.
        if (client.AlertReceived >= 0)
        {
            var (kind, message) = Classify(client.AlertReceived, fromServer: true, client, identity);
            return new PskTlsException(kind, $"{message} (alert {AlertDescription.GetText(client.AlertReceived)} from the server)", inner);
        }

        var stage = !receivedAnything
            ? "before sending any TLS record back. A plain MQTT listener (no TLS) or a TLS listener that cannot serve PSK does this; check the port and that the broker's listener has psk_hint and psk_file set"
            : "after it had started answering. The broker may have rejected the identity or key without sending an alert; check its log";
        return new PskTlsException(PskTlsFailure.ConnectionClosed, $"The server closed the connection during the TLS handshake, {stage}.", inner);
    }

    public static PskTlsException NotTls(ReadOnlySpan<byte> received)
    {
        var what = received[0] == 0x20
            ? "an MQTT CONNACK: the port speaks plain MQTT, not TLS; use the broker's TLS-PSK listener port"
            : IsPrintable(received)
                ? $"text \"{Encoding.ASCII.GetString(received[..Math.Min(40, received.Length)]).Split('\r', '\n')[0]}\": the port runs a plain-text protocol, not TLS"
                : $"bytes {Convert.ToHexString(received[..Math.Min(8, received.Length)])}, which are not a TLS record";
        return new PskTlsException(PskTlsFailure.NotTls, $"The server answered the TLS ClientHello with {what}.");
    }

    private static (PskTlsFailure Kind, string Message) Classify(short alert, bool fromServer, ManagedPskTlsClient client, string identity)
    {
        switch (alert)
        {
            case AlertDescription.unknown_psk_identity:
                return (PskTlsFailure.UnknownIdentity, $"The server does not know the PSK identity '{identity}'. Add '{identity}:<hex key>' to the broker's psk_file, or use an identity it lists.");
            case AlertDescription.bad_record_mac or AlertDescription.decryption_failed or AlertDescription.decrypt_error:
                return (PskTlsFailure.KeyMismatch, $"The server knows the identity '{identity}' but its key differs from ours (the handshake's integrity check failed). Compare the hex key with the broker's psk_file entry.");
            case AlertDescription.illegal_parameter when fromServer && client.OfferedTls13:
                // OpenSSL servers answer a TLS 1.3 PSK binder made with the wrong key with illegal_parameter.
                return (PskTlsFailure.KeyMismatch, $"The server rejected the TLS 1.3 PSK binder for identity '{identity}' (illegal_parameter): the key most likely differs from the broker's psk_file entry.");
            case AlertDescription.handshake_failure when fromServer && client.OfferedTls13:
                return (PskTlsFailure.UnknownIdentity, $"The server refused the handshake (handshake_failure). Under TLS 1.3 an OpenSSL-based broker such as Mosquitto answers this way when it has no key for identity '{identity}'; check the broker's psk_file. (Under TLS 1.2 it would mean no shared PSK cipher suite.)");
            case AlertDescription.handshake_failure or AlertDescription.insufficient_security:
                return (PskTlsFailure.NoSharedCipher, "Client and server share no PSK cipher suite: either the listener has no PSK configured (Mosquitto needs psk_hint and psk_file on it) or its cipher list excludes every PSK suite we offer.");
            case AlertDescription.protocol_version:
                return (PskTlsFailure.ProtocolVersionMismatch, "Client and server share no TLS version: check the broker's tls_version and this client's MinimumVersion (PSK needs TLS 1.2 or 1.3).");
            case AlertDescription.close_notify:
                return (PskTlsFailure.ConnectionClosed, "The server closed the TLS session in the middle of the handshake.");
            default:
                return (PskTlsFailure.HandshakeFailed, "The TLS-PSK handshake failed.");
        }
    }

    private static bool IsPrintable(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes[..Math.Min(16, bytes.Length)])
        {
            if (b is not ((>= 0x20 and < 0x7F) or (byte)'\r' or (byte)'\n' or (byte)'\t'))
            {
                return false;
            }
        }

        return true;
    }
}
