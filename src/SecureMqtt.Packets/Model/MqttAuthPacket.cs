namespace SecureMqtt.Packets;

/// <summary>AUTH (MQTT 5 only): a step of extended authentication.</summary>
public sealed class MqttAuthPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Auth;

    /// <summary>Success, ContinueAuthentication or ReAuthenticate.</summary>
    public MqttReasonCode ReasonCode { get; init; }

    /// <summary>The authentication method; null when absent.</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>Method-specific authentication data; null when absent.</summary>
    public ReadOnlyMemory<byte>? AuthenticationData { get; init; }

    /// <summary>Human-readable diagnostics; null when absent.</summary>
    public string? ReasonString { get; init; }

    /// <summary>User properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
