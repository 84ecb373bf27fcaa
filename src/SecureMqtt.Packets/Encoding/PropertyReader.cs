using System.Buffers;

namespace SecureMqtt.Packets;

/// <summary>
/// Reads an MQTT 5 property block (section 2.2.2): a Variable Byte Integer length, then identifier/value pairs.
/// Unknown identifiers and identifiers not allowed in the packet type are malformed; a repeated property is a
/// protocol error except User Property and, in PUBLISH, Subscription Identifier.
/// </summary>
internal static class PropertyReader
{
    private const ulong Connect = (1UL << PropertyId.SessionExpiryInterval) | (1UL << PropertyId.AuthenticationMethod)
        | (1UL << PropertyId.AuthenticationData) | (1UL << PropertyId.RequestProblemInformation)
        | (1UL << PropertyId.RequestResponseInformation) | (1UL << PropertyId.ReceiveMaximum)
        | (1UL << PropertyId.TopicAliasMaximum) | (1UL << PropertyId.UserProperty) | (1UL << PropertyId.MaximumPacketSize);

    private const ulong Will = (1UL << PropertyId.PayloadFormatIndicator) | (1UL << PropertyId.MessageExpiryInterval)
        | (1UL << PropertyId.ContentType) | (1UL << PropertyId.ResponseTopic) | (1UL << PropertyId.CorrelationData)
        | (1UL << PropertyId.WillDelayInterval) | (1UL << PropertyId.UserProperty);

    private const ulong ConnAck = (1UL << PropertyId.SessionExpiryInterval) | (1UL << PropertyId.AssignedClientIdentifier)
        | (1UL << PropertyId.ServerKeepAlive) | (1UL << PropertyId.AuthenticationMethod) | (1UL << PropertyId.AuthenticationData)
        | (1UL << PropertyId.ResponseInformation) | (1UL << PropertyId.ServerReference) | (1UL << PropertyId.ReasonString)
        | (1UL << PropertyId.ReceiveMaximum) | (1UL << PropertyId.TopicAliasMaximum) | (1UL << PropertyId.MaximumQoS)
        | (1UL << PropertyId.RetainAvailable) | (1UL << PropertyId.UserProperty) | (1UL << PropertyId.MaximumPacketSize)
        | (1UL << PropertyId.WildcardSubscriptionAvailable) | (1UL << PropertyId.SubscriptionIdentifierAvailable)
        | (1UL << PropertyId.SharedSubscriptionAvailable);

    private const ulong Publish = (1UL << PropertyId.PayloadFormatIndicator) | (1UL << PropertyId.MessageExpiryInterval)
        | (1UL << PropertyId.ContentType) | (1UL << PropertyId.ResponseTopic) | (1UL << PropertyId.CorrelationData)
        | (1UL << PropertyId.SubscriptionIdentifier) | (1UL << PropertyId.TopicAlias) | (1UL << PropertyId.UserProperty);

    private const ulong Ack = (1UL << PropertyId.ReasonString) | (1UL << PropertyId.UserProperty);

    private const ulong Subscribe = (1UL << PropertyId.SubscriptionIdentifier) | (1UL << PropertyId.UserProperty);

    private const ulong Unsubscribe = 1UL << PropertyId.UserProperty;

    private const ulong Disconnect = (1UL << PropertyId.SessionExpiryInterval) | (1UL << PropertyId.ServerReference)
        | (1UL << PropertyId.ReasonString) | (1UL << PropertyId.UserProperty);

    private const ulong Auth = (1UL << PropertyId.AuthenticationMethod) | (1UL << PropertyId.AuthenticationData)
        | (1UL << PropertyId.ReasonString) | (1UL << PropertyId.UserProperty);

    private const ulong Known = Connect | Will | ConnAck | Publish | Subscribe | Disconnect | Auth;

    /// <summary>Reads the property length and the properties it covers into <paramref name="properties"/>.</summary>
    public static void Read(ref SequenceReader<byte> reader, PropertyContext context, string packet, ref MqttProperties properties)
    {
        var length = VariableByteInteger.Read(ref reader, "Property Length");
        if (length == 0)
        {
            return;
        }

        if (reader.Remaining < length)
        {
            Malformed.Throw($"the {packet} Property Length ({length}) is longer than the rest of the packet", "2.2.2.1");
        }

        var block = new SequenceReader<byte>(reader.UnreadSequence.Slice(0, length));
        reader.Advance(length);
        ReadBlock(ref block, context, packet, ref properties);
        if (properties.AuthenticationData is not null && properties.AuthenticationMethod is null)
        {
            // 3.1.2.11.10: Authentication Data means nothing without the method it belongs to.
            Malformed.ThrowProtocolError($"{packet} has Authentication Data without an Authentication Method", "3.1.2.11.10");
        }
    }

    private static void ReadBlock(ref SequenceReader<byte> reader, PropertyContext context, string packet, ref MqttProperties p)
    {
        var allowed = Allowed(context);
        var seen = 0UL;
        while (!reader.End)
        {
            var id = VariableByteInteger.Read(ref reader, "property identifier");
            if (id > PropertyId.Last || ((1UL << id) & Known) == 0)
            {
                Malformed.Throw($"{packet} contains unknown property identifier 0x{id:X2}", "2.2.2.2");
            }

            var bit = 1UL << id;
            if ((allowed & bit) == 0)
            {
                Malformed.Throw($"{packet} contains property 0x{id:X2}, which is not allowed in this packet type", "2.2.2.2");
            }

            var repeatable = id == PropertyId.UserProperty
                || (id == PropertyId.SubscriptionIdentifier && context == PropertyContext.Publish);
            if ((seen & bit) != 0 && !repeatable)
            {
                Malformed.ThrowProtocolError($"{packet} contains property 0x{id:X2} more than once", "2.2.2.2");
            }

            seen |= bit;
            ReadValue(ref reader, (byte)id, packet, ref p);
        }
    }

    private static void ReadValue(ref SequenceReader<byte> reader, byte id, string packet, ref MqttProperties p)
    {
        switch (id)
        {
            case PropertyId.PayloadFormatIndicator:
                p.PayloadFormatIndicator = ReadFlag(ref reader, "Payload Format Indicator", "3.3.2.3.2");
                break;
            case PropertyId.MessageExpiryInterval:
                p.MessageExpiryInterval = WireReader.ReadUInt32(ref reader, "Message Expiry Interval");
                break;
            case PropertyId.ContentType:
                p.ContentType = WireReader.ReadString(ref reader, "Content Type");
                break;
            case PropertyId.ResponseTopic:
                var responseTopic = WireReader.ReadString(ref reader, "Response Topic");
                if (!MqttTopic.IsValidTopicName(responseTopic, out var error))
                {
                    // [MQTT-3.3.2-14] The Response Topic is a Topic Name: no wildcards.
                    Malformed.ThrowProtocolError($"{packet} Response Topic is invalid: {error}", "MQTT-3.3.2-14");
                }

                p.ResponseTopic = responseTopic;
                break;
            case PropertyId.CorrelationData:
                p.CorrelationData = WireReader.ReadBinary(ref reader, "Correlation Data");
                break;
            case PropertyId.SubscriptionIdentifier:
                var subscriptionId = VariableByteInteger.Read(ref reader, "Subscription Identifier");
                if (subscriptionId == 0)
                {
                    Malformed.ThrowProtocolError($"{packet} has a Subscription Identifier of 0", "3.3.2.3.8");
                }

                (p.SubscriptionIdentifiers ??= []).Add((uint)subscriptionId);
                break;
            case PropertyId.SessionExpiryInterval:
                p.SessionExpiryInterval = WireReader.ReadUInt32(ref reader, "Session Expiry Interval");
                break;
            case PropertyId.AssignedClientIdentifier:
                p.AssignedClientIdentifier = WireReader.ReadString(ref reader, "Assigned Client Identifier");
                break;
            case PropertyId.ServerKeepAlive:
                p.ServerKeepAlive = WireReader.ReadUInt16(ref reader, "Server Keep Alive");
                break;
            case PropertyId.AuthenticationMethod:
                p.AuthenticationMethod = WireReader.ReadString(ref reader, "Authentication Method");
                break;
            case PropertyId.AuthenticationData:
                p.AuthenticationData = WireReader.ReadBinary(ref reader, "Authentication Data");
                break;
            case PropertyId.RequestProblemInformation:
                p.RequestProblemInformation = ReadFlag(ref reader, "Request Problem Information", "3.1.2.11.7");
                break;
            case PropertyId.WillDelayInterval:
                p.WillDelayInterval = WireReader.ReadUInt32(ref reader, "Will Delay Interval");
                break;
            case PropertyId.RequestResponseInformation:
                p.RequestResponseInformation = ReadFlag(ref reader, "Request Response Information", "3.1.2.11.6");
                break;
            case PropertyId.ResponseInformation:
                p.ResponseInformation = WireReader.ReadString(ref reader, "Response Information");
                break;
            case PropertyId.ServerReference:
                p.ServerReference = WireReader.ReadString(ref reader, "Server Reference");
                break;
            case PropertyId.ReasonString:
                p.ReasonString = WireReader.ReadString(ref reader, "Reason String");
                break;
            case PropertyId.ReceiveMaximum:
                p.ReceiveMaximum = WireReader.ReadUInt16(ref reader, "Receive Maximum");
                if (p.ReceiveMaximum == 0)
                {
                    Malformed.ThrowProtocolError($"{packet} has a Receive Maximum of 0", "3.1.2.11.3");
                }

                break;
            case PropertyId.TopicAliasMaximum:
                p.TopicAliasMaximum = WireReader.ReadUInt16(ref reader, "Topic Alias Maximum");
                break;
            case PropertyId.TopicAlias:
                p.TopicAlias = WireReader.ReadUInt16(ref reader, "Topic Alias");
                if (p.TopicAlias == 0)
                {
                    // [MQTT-3.3.2-8] A Topic Alias of 0 is never sent; the receiver answers with Topic Alias invalid.
                    Malformed.Throw(MqttReasonCode.TopicAliasInvalid, $"{packet} has a Topic Alias of 0", "MQTT-3.3.2-8");
                }

                break;
            case PropertyId.MaximumQoS:
                p.MaximumQoS = ReadFlag(ref reader, "Maximum QoS", "3.2.2.3.4");
                break;
            case PropertyId.RetainAvailable:
                p.RetainAvailable = ReadFlag(ref reader, "Retain Available", "3.2.2.3.5");
                break;
            case PropertyId.UserProperty:
                (p.UserProperties ??= []).Add(WireReader.ReadStringPair(ref reader, "User Property"));
                break;
            case PropertyId.MaximumPacketSize:
                p.MaximumPacketSize = WireReader.ReadUInt32(ref reader, "Maximum Packet Size");
                if (p.MaximumPacketSize == 0)
                {
                    Malformed.ThrowProtocolError($"{packet} has a Maximum Packet Size of 0", "3.1.2.11.4");
                }

                break;
            case PropertyId.WildcardSubscriptionAvailable:
                p.WildcardSubscriptionAvailable = ReadFlag(ref reader, "Wildcard Subscription Available", "3.2.2.3.11");
                break;
            case PropertyId.SubscriptionIdentifierAvailable:
                p.SubscriptionIdentifierAvailable = ReadFlag(ref reader, "Subscription Identifiers Available", "3.2.2.3.12");
                break;
            default: // SharedSubscriptionAvailable: the caller admitted known identifiers only.
                p.SharedSubscriptionAvailable = ReadFlag(ref reader, "Shared Subscription Available", "3.2.2.3.13");
                break;
        }
    }

    /// <summary>A one-byte property whose only values are 0 and 1.</summary>
    private static byte ReadFlag(ref SequenceReader<byte> reader, string field, string rule)
    {
        var value = WireReader.ReadByte(ref reader, field);
        if (value > 1)
        {
            Malformed.ThrowProtocolError($"{field} is {value}; only 0 and 1 are defined", rule);
        }

        return value;
    }

    private static ulong Allowed(PropertyContext context) => context switch
    {
        PropertyContext.Connect => Connect,
        PropertyContext.Will => Will,
        PropertyContext.ConnAck => ConnAck,
        PropertyContext.Publish => Publish,
        PropertyContext.Ack or PropertyContext.SubAck or PropertyContext.UnsubAck => Ack,
        PropertyContext.Subscribe => Subscribe,
        PropertyContext.Unsubscribe => Unsubscribe,
        PropertyContext.Disconnect => Disconnect,
        _ => Auth,
    };
}
