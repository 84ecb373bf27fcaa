namespace SecureMqtt.Packets;

/// <summary>What a message payload claims to be (MQTT 5 Payload Format Indicator).</summary>
public enum MqttPayloadFormatIndicator : byte
{
    /// <summary>Unspecified bytes.</summary>
    Unspecified = 0,

    /// <summary>UTF-8 encoded character data.</summary>
    Utf8 = 1,
}
