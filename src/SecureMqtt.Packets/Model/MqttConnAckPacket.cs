namespace SecureMqtt.Packets;

/// <summary>CONNACK: the server's answer to CONNECT.</summary>
public sealed class MqttConnAckPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.ConnAck;

    /// <summary>Whether the server resumed an existing session.</summary>
    public bool SessionPresent { get; init; }

    /// <summary>The outcome; MQTT 3.1.1 return codes are mapped onto reason codes.</summary>
    public MqttReasonCode ReasonCode { get; init; }

    /// <summary>MQTT 5: session expiry the server uses; null when absent.</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>MQTT 5: how many QoS 1/2 publications the server processes concurrently; null when absent (65535).</summary>
    public ushort? ReceiveMaximum { get; init; }

    /// <summary>MQTT 5: the highest QoS the server supports; null when absent (QoS 2).</summary>
    public MqttQualityOfService? MaximumQoS { get; init; }

    /// <summary>MQTT 5: whether retained messages are supported; null when absent (true).</summary>
    public bool? RetainAvailable { get; init; }

    /// <summary>MQTT 5: the largest packet the server accepts; null when absent (no limit).</summary>
    public uint? MaximumPacketSize { get; init; }

    /// <summary>MQTT 5: the client identifier the server assigned; null when absent.</summary>
    public string? AssignedClientIdentifier { get; init; }

    /// <summary>MQTT 5: the highest topic alias the server accepts; null when absent (0).</summary>
    public ushort? TopicAliasMaximum { get; init; }

    /// <summary>MQTT 5: human-readable diagnostics; null when absent.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5: user properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>MQTT 5: whether wildcard subscriptions are supported; null when absent (true).</summary>
    public bool? WildcardSubscriptionAvailable { get; init; }

    /// <summary>MQTT 5: whether subscription identifiers are supported; null when absent (true).</summary>
    public bool? SubscriptionIdentifiersAvailable { get; init; }

    /// <summary>MQTT 5: whether shared subscriptions are supported; null when absent (true).</summary>
    public bool? SharedSubscriptionAvailable { get; init; }

    /// <summary>MQTT 5: the keep alive the server imposes, in seconds; null when absent.</summary>
    public ushort? ServerKeepAlive { get; init; }

    /// <summary>MQTT 5: basis for response topics; null when absent.</summary>
    public string? ResponseInformation { get; init; }

    /// <summary>MQTT 5: another server to use; null when absent.</summary>
    public string? ServerReference { get; init; }

    /// <summary>MQTT 5: extended authentication method; null when absent.</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>MQTT 5: extended authentication data; null when absent.</summary>
    public ReadOnlyMemory<byte>? AuthenticationData { get; init; }
}
