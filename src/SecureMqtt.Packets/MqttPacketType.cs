namespace SecureMqtt.Packets;

/// <summary>The MQTT control packet type, the high nibble of the fixed header's first byte.</summary>
public enum MqttPacketType : byte
{
    /// <summary>Client request to connect to the server.</summary>
    Connect = 1,

    /// <summary>Connect acknowledgement.</summary>
    ConnAck,

    /// <summary>Publish message.</summary>
    Publish,

    /// <summary>Publish acknowledgement (QoS 1).</summary>
    PubAck,

    /// <summary>Publish received (QoS 2, part 1).</summary>
    PubRec,

    /// <summary>Publish release (QoS 2, part 2).</summary>
    PubRel,

    /// <summary>Publish complete (QoS 2, part 3).</summary>
    PubComp,

    /// <summary>Subscribe request.</summary>
    Subscribe,

    /// <summary>Subscribe acknowledgement.</summary>
    SubAck,

    /// <summary>Unsubscribe request.</summary>
    Unsubscribe,

    /// <summary>Unsubscribe acknowledgement.</summary>
    UnsubAck,

    /// <summary>Ping request.</summary>
    PingReq,

    /// <summary>Ping response.</summary>
    PingResp,

    /// <summary>Disconnect notification.</summary>
    Disconnect,

    /// <summary>Authentication exchange (MQTT 5 only).</summary>
    Auth,
}
