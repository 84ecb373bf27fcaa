namespace SecureMqtt.Packets;

/// <summary>Whether the server sends retained messages when a subscription is made (MQTT 5).</summary>
public enum MqttRetainHandling : byte
{
    /// <summary>Send retained messages at the time of the subscribe.</summary>
    SendAtSubscribe = 0,

    /// <summary>Send retained messages only if the subscription did not exist before.</summary>
    SendAtSubscribeIfNew = 1,

    /// <summary>Do not send retained messages at the time of the subscribe.</summary>
    DoNotSend = 2,
}
