namespace SecureMqtt.Packets;

/// <summary>The delivery guarantee of a message.</summary>
public enum MqttQualityOfService : byte
{
    /// <summary>QoS 0: fire and forget.</summary>
    AtMostOnce = 0,

    /// <summary>QoS 1: acknowledged by PUBACK, may be duplicated.</summary>
    AtLeastOnce = 1,

    /// <summary>QoS 2: four-step handshake, delivered once.</summary>
    ExactlyOnce = 2,
}
