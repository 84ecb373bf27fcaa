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

    /// <summary>
    /// Throws when a packet that has no variable header and no payload declares a body. The fixed header alone
    /// decides this, so the body is neither awaited nor buffered; MQTT 3.1.1 DISCONNECT, the third such packet,
    /// has a body under 5.0 and is checked by its decoder, which knows the version.
    /// </summary>
    public static void CheckRemainingLength(MqttPacketType type, int remainingLength)
    {
        if (remainingLength != 0 && type is MqttPacketType.PingReq or MqttPacketType.PingResp)
        {
            ThrowBodyNotAllowed(type, remainingLength);
        }
    }

    /// <summary>PINGREQ (section 3.12.1) and PINGRESP (section 3.13.1) have Remaining Length 0 in both versions.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void ThrowBodyNotAllowed(MqttPacketType type, long remainingLength)
        => Malformed.Throw(
            $"{Name(type)} has Remaining Length {remainingLength}; it must be 0 (the packet has no variable header and no payload)",
            type == MqttPacketType.PingReq ? "3.12.1" : "3.13.1");

    public static void CheckPublishFlags(byte flags)
    {
        var qos = (flags >> 1) & 0b11;
        if (qos == 3)
        {
            Malformed.Throw("PUBLISH has both QoS bits set (QoS 3)", "MQTT-3.3.1-4");
        }

        // DUP on QoS 0 [MQTT-3.3.1-2] is checked by the decoder, which knows the version (5.0 refuses it, 3.1.1 tolerates it).
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
