using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>The broker answered CONNECT with a CONNACK whose reason code is a failure.</summary>
public sealed class MqttConnectionRefusedException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reasonCode">The CONNACK reason code (MQTT 3.1.1 return codes are mapped onto MQTT 5 codes).</param>
    /// <param name="reasonString">The broker's human-readable reason, if it sent one.</param>
    /// <param name="serverReference">Another server to use, when the broker sent one (MQTT 5).</param>
    public MqttConnectionRefusedException(MqttReasonCode reasonCode, string? reasonString = null, string? serverReference = null)
        : base(BuildMessage(reasonCode, reasonString, serverReference))
    {
        ReasonCode = reasonCode;
        ReasonString = reasonString;
        ServerReference = serverReference;
    }

    /// <summary>The CONNACK reason code.</summary>
    public MqttReasonCode ReasonCode { get; }

    /// <summary>The broker's human-readable reason, if any.</summary>
    public string? ReasonString { get; }

    /// <summary>Another server the broker pointed at (MQTT 5 Server Reference), if any.</summary>
    public string? ServerReference { get; }

    /// <summary>Busy, unavailable or rate-limited brokers may accept a later attempt; bad credentials will not.</summary>
    public override bool IsTransient => ReasonCode is MqttReasonCode.ServerUnavailable or MqttReasonCode.ServerBusy
        or MqttReasonCode.ConnectionRateExceeded or MqttReasonCode.QuotaExceeded or MqttReasonCode.UseAnotherServer
        or MqttReasonCode.ServerMoved;

    private static string BuildMessage(MqttReasonCode reasonCode, string? reasonString, string? serverReference)
    {
        var hint = reasonCode switch
        {
            MqttReasonCode.BadUserNameOrPassword => " Check the user name and password in MqttClientOptions.Credentials.",
            MqttReasonCode.NotAuthorized => " The broker's access rules do not allow this client to connect.",
            MqttReasonCode.ClientIdentifierNotValid => " Use another client id (MQTT 3.1.1 brokers need a non-empty id unless CleanStart is true).",
            MqttReasonCode.UnsupportedProtocolVersion => " The broker does not speak this MQTT version; try MqttProtocolVersion.V311.",
            _ => string.Empty,
        };
        var text = $"The broker refused the connection: {reasonCode}.{hint}";
        if (reasonString is not null)
        {
            text += $" Broker said: \"{reasonString}\".";
        }

        if (serverReference is not null)
        {
            text += $" Server reference: {serverReference}.";
        }

        return text;
    }
}
