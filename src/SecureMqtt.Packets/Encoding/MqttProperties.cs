namespace SecureMqtt.Packets;

/// <summary>
/// Every MQTT 5 property value a block can hold, as one stack value: decoders fill it from the wire and build their
/// packet from it, so a property block costs no allocation beyond the strings and binaries it carries.
/// </summary>
internal struct MqttProperties
{
    public byte? PayloadFormatIndicator;
    public uint? MessageExpiryInterval;
    public string? ContentType;
    public string? ResponseTopic;
    public ReadOnlyMemory<byte>? CorrelationData;
    public List<uint>? SubscriptionIdentifiers;
    public uint? SessionExpiryInterval;
    public string? AssignedClientIdentifier;
    public ushort? ServerKeepAlive;
    public string? AuthenticationMethod;
    public ReadOnlyMemory<byte>? AuthenticationData;
    public byte? RequestProblemInformation;
    public uint? WillDelayInterval;
    public byte? RequestResponseInformation;
    public string? ResponseInformation;
    public string? ServerReference;
    public string? ReasonString;
    public ushort? ReceiveMaximum;
    public ushort? TopicAliasMaximum;
    public ushort? TopicAlias;
    public byte? MaximumQoS;
    public byte? RetainAvailable;
    public List<MqttUserProperty>? UserProperties;
    public uint? MaximumPacketSize;
    public byte? WildcardSubscriptionAvailable;
    public byte? SubscriptionIdentifierAvailable;
    public byte? SharedSubscriptionAvailable;

    // Array.Empty, not []: in a conditional with a List the collection expression would allocate a new List.
    public readonly IReadOnlyList<MqttUserProperty> UserPropertiesOrEmpty => UserProperties is null ? Array.Empty<MqttUserProperty>() : UserProperties;

    public readonly IReadOnlyList<uint> SubscriptionIdentifiersOrEmpty => SubscriptionIdentifiers is null ? Array.Empty<uint>() : SubscriptionIdentifiers;

    public static bool? AsBool(byte? value) => value is null ? null : value.Value != 0;
}
