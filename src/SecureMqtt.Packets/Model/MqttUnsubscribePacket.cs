namespace SecureMqtt.Packets;

/// <summary>UNSUBSCRIBE: removes one or more subscriptions.</summary>
public sealed class MqttUnsubscribePacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;

    /// <summary>The non-zero packet identifier.</summary>
    public ushort PacketId { get; init; }

    /// <summary>The filters to remove; at least one.</summary>
    public IReadOnlyList<string> TopicFilters { get; init; } = [];

    /// <summary>MQTT 5: user properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
