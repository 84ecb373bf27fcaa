using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>What the broker said in CONNACK, with the limits that now apply to this connection.</summary>
public sealed record MqttConnectResult
{
    /// <summary>Always Success (a refusal throws <see cref="MqttConnectionRefusedException"/>).</summary>
    public MqttReasonCode ReasonCode { get; init; }

    /// <summary>True when the broker resumed a stored session (only possible with CleanStart false).</summary>
    public bool SessionPresent { get; init; }

    /// <summary>The client id in use: the configured one, or the one the broker assigned.</summary>
    public required string ClientId { get; init; }

    /// <summary>The client id the broker assigned because none was given (MQTT 5), or null.</summary>
    public string? AssignedClientIdentifier { get; init; }

    /// <summary>The keep-alive in force (the broker's Server Keep Alive overrides the configured one).</summary>
    public TimeSpan KeepAlive { get; init; }

    /// <summary>How many QoS 1/2 publishes may be unacknowledged at once towards the broker.</summary>
    public ushort ReceiveMaximum { get; init; }

    /// <summary>The largest packet the broker accepts, or null when it set no limit.</summary>
    public uint? MaximumPacketSize { get; init; }

    /// <summary>How many topic aliases the broker accepts from us.</summary>
    public ushort TopicAliasMaximum { get; init; }

    /// <summary>The highest QoS the broker supports.</summary>
    public MqttQualityOfService MaximumQoS { get; init; }

    /// <summary>Whether the broker supports retained messages.</summary>
    public bool RetainAvailable { get; init; }

    /// <summary>The session expiry the broker applies (MQTT 5), when it sent one.</summary>
    public TimeSpan? SessionExpiry { get; init; }

    /// <summary>Whether wildcard subscriptions are supported.</summary>
    public bool WildcardSubscriptionAvailable { get; init; }

    /// <summary>Whether subscription identifiers are supported.</summary>
    public bool SubscriptionIdentifiersAvailable { get; init; }

    /// <summary>Whether shared subscriptions are supported.</summary>
    public bool SharedSubscriptionAvailable { get; init; }

    /// <summary>The broker's human-readable reason (MQTT 5), if any.</summary>
    public string? ReasonString { get; init; }

    /// <summary>Response information for request/response (MQTT 5), if requested and sent.</summary>
    public string? ResponseInformation { get; init; }

    /// <summary>Another server to use (MQTT 5), if the broker sent one.</summary>
    public string? ServerReference { get; init; }

    /// <summary>User properties of the CONNACK (MQTT 5).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
