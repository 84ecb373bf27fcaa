namespace SecureMqtt.Packets;

/// <summary>One topic filter of a SUBSCRIBE with its subscription options.</summary>
/// <param name="TopicFilter">The topic filter, possibly with wildcards or a $share/{group}/ prefix.</param>
/// <param name="MaximumQoS">The highest QoS the server may use for messages on this subscription.</param>
public sealed record MqttSubscription(string TopicFilter, MqttQualityOfService MaximumQoS = MqttQualityOfService.AtMostOnce)
{
    /// <summary>MQTT 5: do not receive this client's own publications.</summary>
    public bool NoLocal { get; init; }

    /// <summary>MQTT 5: keep the RETAIN flag as published instead of clearing it.</summary>
    public bool RetainAsPublished { get; init; }

    /// <summary>MQTT 5: whether retained messages are sent when the subscription is made.</summary>
    public MqttRetainHandling RetainHandling { get; init; }
}
