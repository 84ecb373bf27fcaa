using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>What the client's DISCONNECT says (MQTT 5 section 3.14); under MQTT 3.1.1 only the defaults are allowed.</summary>
public sealed record MqttDisconnectOptions
{
    /// <summary>The reason code; <see cref="MqttReasonCode.DisconnectWithWillMessage"/> asks the broker to publish the will.</summary>
    public MqttReasonCode ReasonCode { get; init; } = MqttReasonCode.NormalDisconnection;

    /// <summary>A human-readable reason for the broker's logs; null to send none.</summary>
    public string? ReasonString { get; init; }

    /// <summary>
    /// A new Session Expiry Interval (whole seconds) replacing the one of CONNECT; null to keep it. Must stay null or
    /// zero when CONNECT's was zero [MQTT-3.14.2-2].
    /// </summary>
    public TimeSpan? SessionExpiry { get; init; }

    /// <summary>User properties, in order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
