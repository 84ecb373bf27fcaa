using System.Net.Sockets;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// Failures of pub and sub as one stderr line and mosquitto's exit status: 1 for a bad command line or a failed
/// connection, the CONNACK reason code when the broker refuses (the 3.1.1 return code under 3.1.1), as
/// mosquitto_pub(1) and mosquitto_sub(1) document under EXIT STATUS.
/// </summary>
internal static class ErrorReport
{
    /// <summary>mosquitto_sub's exit status when -W runs out (libmosquitto's MOSQ_ERR_TIMEOUT).</summary>
    public const int TimedOut = 27;

    public static int Report(Exception exception, string tool, CliStreams streams, bool quiet, MqttProtocolVersion version)
    {
        var (line, code) = exception switch
        {
            UsageException => ($"Error: {exception.Message} Use 'smqtt {tool} --help' to see usage.", 1),
            MqttConnectionRefusedException refused => ($"Connection error: {refused.Message}", RefusalCode(refused.ReasonCode, version)),
            MqttTlsException tls => ($"Error: TLS {Describe(tls.Kind)}: {tls.Message}", 1),
            MqttConnectionLostException { InnerException: SocketException socket } => ($"Error: {socket.Message}", 1),
            _ => ($"Error: {exception.Message}", 1),
        };

        if (!quiet || exception is UsageException)
        {
            streams.Error.WriteLine(line.ReplaceLineEndings(" "));
            streams.Error.Flush();
        }

        return code;
    }

    public static bool IsReportable(Exception exception) => exception is UsageException or MqttException or CliException
        or SocketException or IOException or UnauthorizedAccessException or ArgumentException
        or System.Security.Cryptography.CryptographicException;

    private static int RefusalCode(MqttReasonCode code, MqttProtocolVersion version) => version == MqttProtocolVersion.V500 ? (byte)code : code switch
    {
        MqttReasonCode.UnsupportedProtocolVersion => 1,
        MqttReasonCode.ClientIdentifierNotValid => 2,
        MqttReasonCode.ServerUnavailable => 3,
        MqttReasonCode.BadUserNameOrPassword => 4,
        MqttReasonCode.NotAuthorized => 5,
        _ => 1,
    };

    private static string Describe(MqttTlsFailureKind kind) => kind switch
    {
        MqttTlsFailureKind.UntrustedIssuer => "certificate verify failed (unknown CA)",
        MqttTlsFailureKind.HostnameMismatch => "certificate verify failed (host name mismatch)",
        MqttTlsFailureKind.CertificateExpired => "certificate verify failed (expired)",
        MqttTlsFailureKind.CertificateNotYetValid => "certificate verify failed (not yet valid)",
        _ => "error",
    };
}
