namespace SecureMqtt.Packets;

/// <summary>
/// The fields of a PUBLISH, as a value: a sender that keeps its messages in its own type describes each packet with
/// one of these and <see cref="MqttPacketWriter.WritePublish"/> encodes it straight into the output, and
/// <see cref="MqttPacketReader.DecodePublishFields"/> decodes one with the payload left in the frame, both without an
/// <see cref="MqttPublishPacket"/> per message. The members mean what they mean on
/// <see cref="MqttPublishPacket"/>.
/// </summary>
public readonly struct MqttPublishFields
{
    private readonly IReadOnlyList<MqttUserProperty>? _userProperties;
    private readonly IReadOnlyList<uint>? _subscriptionIdentifiers;

    /// <summary>The topic name; may be empty in MQTT 5 when a <see cref="TopicAlias"/> stands for it.</summary>
    public required string Topic { get; init; }

    /// <summary>The application payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The delivery guarantee.</summary>
    public MqttQualityOfService QualityOfService { get; init; }

    /// <summary>Whether the server retains the message.</summary>
    public bool Retain { get; init; }

    /// <summary>Whether this is a redelivery (never at QoS 0).</summary>
    public bool Duplicate { get; init; }

    /// <summary>The packet identifier; 0 for QoS 0, non-zero otherwise.</summary>
    public ushort PacketId { get; init; }

    /// <summary>MQTT 5: what the payload claims to be; null when absent.</summary>
    public MqttPayloadFormatIndicator? PayloadFormatIndicator { get; init; }

    /// <summary>MQTT 5: lifetime in seconds; null when absent (no expiry).</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>MQTT 5: topic alias; null when absent. Never 0 on the wire.</summary>
    public ushort? TopicAlias { get; init; }

    /// <summary>MQTT 5: topic for a response; null when absent.</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5: correlation data for a response; null when absent.</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>MQTT 5: user properties, in wire order (none when not set).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get => _userProperties ?? []; init => _userProperties = value; }

    /// <summary>MQTT 5: identifiers of the subscriptions that matched (server to client only; none when not set).</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get => _subscriptionIdentifiers ?? []; init => _subscriptionIdentifiers = value; }

    /// <summary>MQTT 5: the payload's content type; null when absent.</summary>
    public string? ContentType { get; init; }

    internal static MqttPublishFields From(MqttPublishPacket packet) => new()
    {
        Topic = packet.Topic,
        Payload = packet.Payload,
        QualityOfService = packet.QualityOfService,
        Retain = packet.Retain,
        Duplicate = packet.Duplicate,
        PacketId = packet.PacketId,
        PayloadFormatIndicator = packet.PayloadFormatIndicator,
        MessageExpiryInterval = packet.MessageExpiryInterval,
        TopicAlias = packet.TopicAlias,
        ResponseTopic = packet.ResponseTopic,
        CorrelationData = packet.CorrelationData,
        UserProperties = packet.UserProperties,
        SubscriptionIdentifiers = packet.SubscriptionIdentifiers,
        ContentType = packet.ContentType,
    };
}
