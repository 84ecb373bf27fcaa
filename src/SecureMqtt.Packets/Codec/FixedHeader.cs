namespace SecureMqtt.Packets;

/// <summary>Checks of the fixed header's first byte (section 2.1.3) that need nothing but that byte.</summary>
internal static class FixedHeader
{
    /// <summary>The flags every packet type must carry; PUBLISH flags carry meaning and are checked separately.</summary>
    public static byte RequiredFlags(MqttPacketType type)
        => type is MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe ? (byte)0b0010 : (byte)0;

    /// <summary>Throws when the first byte cannot start a valid packet.</summary>
    public static void Check(MqttPacketType type, byte flags)
    {
        if (type == 0)
        {
            Malformed.Throw("packet type 0 is reserved", "2.1.2");
        }

        if (type == MqttPacketType.Publish)
        {
            CheckPublishFlags(flags);
        }
        else if (flags != RequiredFlags(type))
        {
            // [MQTT-2.1.3-1] Reserved flag bits must have the listed values.
            Malformed.Throw($"{Name(type)} has fixed header flags 0x{flags:X1}; they must be 0x{RequiredFlags(type):X1}", "MQTT-2.1.3-1");
        }
    }

    public static void CheckPublishFlags(byte flags)
    {
        var qos = (flags >> 1) & 0b11;
        if (qos == 3)
        {
            Malformed.Throw("PUBLISH has both QoS bits set (QoS 3)", "MQTT-3.3.1-4");
        }

        if (qos == 0 && (flags & 0b1000) != 0)
        {
            Malformed.Throw("PUBLISH at QoS 0 has the DUP flag set", "MQTT-3.3.1-2");
        }
    }

    /// <summary>The packet name as the specification spells it, for messages.</summary>
    public static string Name(MqttPacketType type) => type switch
    {
        MqttPacketType.Connect => "CONNECT",
        MqttPacketType.ConnAck => "CONNACK",
        MqttPacketType.Publish => "PUBLISH",
        MqttPacketType.PubAck => "PUBACK",
        MqttPacketType.PubRec => "PUBREC",
        MqttPacketType.PubRel => "PUBREL",
        MqttPacketType.PubComp => "PUBCOMP",
        MqttPacketType.Subscribe => "SUBSCRIBE",
        MqttPacketType.SubAck => "SUBACK",
        MqttPacketType.Unsubscribe => "UNSUBSCRIBE",
        MqttPacketType.UnsubAck => "UNSUBACK",
        MqttPacketType.PingReq => "PINGREQ",
        MqttPacketType.PingResp => "PINGRESP",
        MqttPacketType.Disconnect => "DISCONNECT",
        MqttPacketType.Auth => "AUTH",
        _ => "reserved packet type",
    };
}
