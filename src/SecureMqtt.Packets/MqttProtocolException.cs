namespace SecureMqtt.Packets;

/// <summary>
/// Bytes from the peer (or a packet about to be accepted) break the MQTT specification. This is the only
/// exception the decoder throws for bad input.
/// </summary>
public sealed class MqttProtocolException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reasonCode">The MQTT 5 reason code that describes the violation (sent in a DISCONNECT by MQTT 5 peers).</param>
    /// <param name="message">What was wrong, in plain language.</param>
    /// <param name="rule">The specification rule id, e.g. "MQTT-3.3.2-2", or the section number when the rule has no id.</param>
    public MqttProtocolException(MqttReasonCode reasonCode, string message, string? rule = null)
        : base(rule is null ? message : $"{message} [{rule}]")
    {
        ReasonCode = reasonCode;
        Rule = rule;
    }

    /// <summary>The reason code that classifies the violation: MalformedPacket, ProtocolError, PacketTooLarge, TopicAliasInvalid, ...</summary>
    public MqttReasonCode ReasonCode { get; }

    /// <summary>
    /// The specification rule that was broken, as "MQTT-x.y.z-n" when the rule is numbered, otherwise the section
    /// of the MQTT 5.0 specification that states it (e.g. "3.1.2.11.3"); null when no single rule applies.
    /// Ids follow the MQTT 5.0 numbering, except a few rules that MQTT 3.1.1 numbers differently or alone has,
    /// which carry the 3.1.1 id when a 3.1.1 packet breaks them.
    /// </summary>
    public string? Rule { get; }
}
