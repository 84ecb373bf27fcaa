namespace SecureMqtt.Packets;

/// <summary>The Will Message carried in CONNECT: published by the server when the connection ends abnormally.</summary>
public sealed class MqttWill
{
    /// <summary>The topic the Will Message is published to.</summary>
    public required string Topic { get; init; }

    /// <summary>The Will payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The QoS of the Will Message.</summary>
    public MqttQualityOfService QualityOfService { get; init; }

    /// <summary>Whether the Will Message is retained.</summary>
    public bool Retain { get; init; }

    /// <summary>MQTT 5: seconds the server waits before publishing the Will; null when absent (0).</summary>
    public uint? WillDelayInterval { get; init; }

    /// <summary>MQTT 5: what the payload claims to be; null when absent.</summary>
    public MqttPayloadFormatIndicator? PayloadFormatIndicator { get; init; }

    /// <summary>MQTT 5: lifetime of the Will Message in seconds; null when absent (no expiry).</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>MQTT 5: the payload's content type; null when absent.</summary>
    public string? ContentType { get; init; }

    /// <summary>MQTT 5: topic for a response; null when absent.</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5: correlation data for a response; null when absent.</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>MQTT 5: user properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
