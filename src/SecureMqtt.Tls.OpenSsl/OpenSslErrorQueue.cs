using System.Text;
using SecureMqtt.Tls.OpenSsl.Interop;

namespace SecureMqtt.Tls.OpenSsl;

/// <summary>Reads and empties OpenSSL's thread-local error queue so one failure's text never leaks into the next.</summary>
internal static unsafe class OpenSslErrorQueue
{
    // SSL library reason codes (sslerr.h); an alert received from the peer is 1000 + the alert number.
    internal const int ReasonAlertBadRecordMac = 1020;
    internal const int ReasonAlertDecryptionFailed = 1021;
    internal const int ReasonAlertHandshakeFailure = 1040;
    internal const int ReasonAlertIllegalParameter = 1047;
    internal const int ReasonAlertDecryptError = 1051;
    internal const int ReasonAlertProtocolVersion = 1070;
    internal const int ReasonAlertInsufficientSecurity = 1071;
    internal const int ReasonAlertUnknownPskIdentity = 1115;
    internal const int ReasonCertificateVerifyFailed = 134;
    internal const int ReasonDigestCheckFailed = 149;
    internal const int ReasonNoCiphersAvailable = 181;
    internal const int ReasonNoProtocolsAvailable = 191;
    internal const int ReasonNoSharedCipher = 193;
    internal const int ReasonPacketLengthTooLong = 198;
    internal const int ReasonBinderDoesNotVerify = 253;
    internal const int ReasonUnsupportedProtocol = 258;
    internal const int ReasonWrongVersionNumber = 267;
    internal const int ReasonDecryptionFailedOrBadRecordMac = 281;
    internal const int ReasonUnexpectedEof = 294;

    /// <summary>Drains the queue. Returns the SSL-library reason codes in order and the full text, one entry per line.</summary>
    public static (List<int> SslReasons, string Text) Drain()
    {
        var reasons = new List<int>();
        var text = new StringBuilder();
        var buffer = stackalloc byte[256];
        ulong code;
        while ((code = LibCrypto.ERR_get_error()) != 0)
        {
            if (LibCrypto.ErrGetLib(code) == LibCrypto.ErrLibSsl)
            {
                reasons.Add(LibCrypto.ErrGetReason(code));
            }

            LibCrypto.ERR_error_string_n(code, buffer, 256);
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(Encoding.ASCII.GetString(new ReadOnlySpan<byte>(buffer, 256).SliceToNul()));
        }

        return (reasons, text.ToString());
    }

    public static void Clear() => LibCrypto.ERR_clear_error();

    private static ReadOnlySpan<byte> SliceToNul(this ReadOnlySpan<byte> span)
    {
        var nul = span.IndexOf((byte)0);
        return nul < 0 ? span : span[..nul];
    }
}
