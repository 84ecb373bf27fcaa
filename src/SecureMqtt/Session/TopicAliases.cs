using SecureMqtt.Packets;

namespace SecureMqtt.Session;

/// <summary>Topic aliases the broker set up towards us (MQTT 5): alias to topic, per connection.</summary>
internal sealed class InboundTopicAliases(ushort maximum)
{
    private readonly string?[] _topics = new string?[maximum + 1];

    /// <summary>Returns the topic for an incoming PUBLISH, recording or resolving its alias.</summary>
    public string Resolve(string topic, ushort? alias)
    {
        if (alias is not { } a)
        {
            if (topic.Length == 0)
            {
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, "PUBLISH has an empty topic name and no topic alias", "MQTT-3.3.2-1");
            }

            return topic;
        }

        if (a == 0 || a > maximum)
        {
            // 3.3.2.3.4: alias 0 or above the Topic Alias Maximum we announced is a protocol error with 0x94.
            throw new MqttProtocolException(MqttReasonCode.TopicAliasInvalid,
                $"PUBLISH uses topic alias {a}, outside 1..{maximum} (the Topic Alias Maximum this client announced)", "3.3.2.3.4");
        }

        if (topic.Length > 0)
        {
            _topics[a] = topic;
            return topic;
        }

        return _topics[a] ?? throw new MqttProtocolException(MqttReasonCode.ProtocolError,
            $"PUBLISH uses topic alias {a} with an empty topic name, but that alias was never defined on this connection", "3.3.2.3.4");
    }
}

/// <summary>Topic aliases we set up towards the broker (MQTT 5), within its Topic Alias Maximum.</summary>
internal sealed class OutboundTopicAliases(ushort maximum)
{
    private readonly Dictionary<string, ushort> _aliases = new(StringComparer.Ordinal);

    /// <summary>
    /// Picks the topic and alias to put on the wire: a known topic goes as alias only, a new one (while aliases
    /// remain) as topic plus a new alias. Must be called in wire order (under the output buffer's write lock).
    /// </summary>
    public (string Topic, ushort? Alias) Apply(string topic)
    {
        if (maximum == 0)
        {
            return (topic, null);
        }

        if (_aliases.TryGetValue(topic, out var alias))
        {
            return (string.Empty, alias);
        }

        if (_aliases.Count < maximum)
        {
            alias = (ushort)(_aliases.Count + 1);
            _aliases[topic] = alias;
            return (topic, alias);
        }

        return (topic, null);
    }
}
