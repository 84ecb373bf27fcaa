using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>
/// An application message: what <see cref="MqttClient.PublishAsync(MqttMessage, CancellationToken)"/> sends, what
/// subscriptions receive, and the will. The payload memory belongs to the message: the client never reuses it.
/// </summary>
public sealed record MqttMessage
{
    /// <summary>The topic name (no wildcards).</summary>
    public required string Topic { get; init; }

    /// <summary>The payload bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The quality of service: the one published with, or the one delivered with on receipt.</summary>
    public MqttQualityOfService QualityOfService { get; init; }

    /// <summary>Whether the broker keeps the message for later subscribers (on receipt: whether it was a retained message).</summary>
    public bool Retain { get; init; }

    /// <summary>On receipt: the broker marked this as a possible redelivery (DUP).</summary>
    public bool Duplicate { get; init; }

    /// <summary>MQTT 5 payload format indicator (UTF-8 text or unspecified bytes).</summary>
    public MqttPayloadFormatIndicator? PayloadFormat { get; init; }

    /// <summary>MQTT 5 message expiry: the broker drops the message when it is not delivered in time. Whole seconds.</summary>
    public TimeSpan? MessageExpiry { get; init; }

    /// <summary>MQTT 5 content type (a MIME type, for example "application/json").</summary>
    public string? ContentType { get; init; }

    /// <summary>MQTT 5 response topic for request/response.</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5 correlation data for request/response.</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>MQTT 5 user properties, in order, duplicates allowed.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>
    /// On receipt: the packet identifier the broker gave this QoS 1 or 2 delivery; null for QoS 0 and on messages
    /// built for publishing. Informational only (logs, tools): the client acknowledges the message itself, and the
    /// broker may reuse the identifier once the flow is complete. Ignored by
    /// <see cref="MqttClient.PublishAsync(MqttMessage, CancellationToken)"/>, which picks its own.
    /// </summary>
    public ushort? PacketId { get; init; }

    /// <summary>On receipt (MQTT 5): identifiers of the subscriptions that matched.</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get; init; } = [];
}
