namespace SecureMqtt.Packets;

/// <summary>DISCONNECT: the last packet of a connection, from either side (server-sent in MQTT 5 only).</summary>
public sealed class MqttDisconnectPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Disconnect;

    /// <summary>MQTT 5: why the connection ends; NormalDisconnection when absent.</summary>
    public MqttReasonCode ReasonCode { get; init; }

    /// <summary>MQTT 5: session expiry update (client to server only); null when absent.</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>MQTT 5: human-readable diagnostics; null when absent.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5: user properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>MQTT 5: another server to use; null when absent.</summary>
    public string? ServerReference { get; init; }
}
