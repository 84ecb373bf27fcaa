using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>How the broker answered SUBSCRIBE: one reason code per filter, in the order given.</summary>
public sealed record MqttSubscribeResult
{
    /// <summary>Each filter with its reason code (GrantedQoS0..2, or a failure).</summary>
    public IReadOnlyList<MqttSubscribeResultItem> Items { get; init; } = [];

    /// <summary>The broker's human-readable reason (MQTT 5), if any.</summary>
    public string? ReasonString { get; init; }

    /// <summary>User properties of the SUBACK (MQTT 5).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>The packet identifier the SUBSCRIBE and its SUBACK carried (informational: logs, tools).</summary>
    public ushort PacketId { get; init; }

    /// <summary>True when every filter was granted.</summary>
    public bool IsSuccess => Items.All(i => i.IsSuccess);
}

/// <summary>One filter of a SUBSCRIBE and the broker's answer to it.</summary>
/// <param name="TopicFilter">The topic filter.</param>
/// <param name="ReasonCode">GrantedQoS0, GrantedQoS1, GrantedQoS2 or a failure code.</param>
public sealed record MqttSubscribeResultItem(string TopicFilter, MqttReasonCode ReasonCode)
{
    /// <summary>True when the subscription was granted.</summary>
    public bool IsSuccess => (byte)ReasonCode < 0x80;

    /// <summary>The QoS granted, or null when refused.</summary>
    public MqttQualityOfService? GrantedQoS => IsSuccess ? (MqttQualityOfService)(byte)ReasonCode : null;
}

/// <summary>How the broker answered UNSUBSCRIBE: one reason code per filter (always Success under MQTT 3.1.1).</summary>
public sealed record MqttUnsubscribeResult
{
    /// <summary>Each filter with its reason code.</summary>
    public IReadOnlyList<MqttUnsubscribeResultItem> Items { get; init; } = [];

    /// <summary>The broker's human-readable reason (MQTT 5), if any.</summary>
    public string? ReasonString { get; init; }

    /// <summary>User properties of the UNSUBACK (MQTT 5).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}

/// <summary>One filter of an UNSUBSCRIBE and the broker's answer to it.</summary>
/// <param name="TopicFilter">The topic filter.</param>
/// <param name="ReasonCode">Success, NoSubscriptionExisted or a failure code.</param>
public sealed record MqttUnsubscribeResultItem(string TopicFilter, MqttReasonCode ReasonCode);
