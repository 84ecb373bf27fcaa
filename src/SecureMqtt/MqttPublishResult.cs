using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>How the broker answered a PUBLISH: for QoS 0 always Success (nothing comes back).</summary>
/// <remarks>A value, so that answering a publish allocates nothing; <c>default</c> is a QoS 0 Success.</remarks>
public readonly record struct MqttPublishResult
{
    private readonly IReadOnlyList<MqttUserProperty>? _userProperties;

    /// <summary>The packet id used (QoS 1/2), or null for QoS 0.</summary>
    public ushort? PacketId { get; init; }

    /// <summary>The reason code of PUBACK (QoS 1), of a failing PUBREC or of PUBCOMP (QoS 2). MQTT 3.1.1 brokers always report Success.</summary>
    public MqttReasonCode ReasonCode { get; init; }

    /// <summary>The broker's human-readable reason (MQTT 5), if any.</summary>
    public string? ReasonString { get; init; }

    /// <summary>User properties of the acknowledgement (MQTT 5); none when the broker sent none.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get => _userProperties ?? []; init => _userProperties = value; }

    /// <summary>
    /// True when a QoS 0 message was dropped while the client was not connected, as
    /// <see cref="MqttOfflineQueueOptions.DropAtMostOnce"/> asks: nothing was sent.
    /// </summary>
    public bool Dropped { get; init; }

    /// <summary>True when the reason code is below 0x80 (Success and NoMatchingSubscribers both count) and the message was not dropped.</summary>
    public bool IsSuccess => (byte)ReasonCode < 0x80 && !Dropped;
}
