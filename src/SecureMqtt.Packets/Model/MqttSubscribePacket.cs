namespace SecureMqtt.Packets;

/// <summary>SUBSCRIBE: asks the server for messages matching one or more topic filters.</summary>
public sealed class MqttSubscribePacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Subscribe;

    /// <summary>The non-zero packet identifier.</summary>
    public ushort PacketId { get; init; }

    /// <summary>The filters and their options; at least one.</summary>
    public IReadOnlyList<MqttSubscription> Subscriptions { get; init; } = [];

    /// <summary>MQTT 5: identifier echoed in matching PUBLISH packets; null when absent.</summary>
    public uint? SubscriptionIdentifier { get; init; }

    /// <summary>MQTT 5: user properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
