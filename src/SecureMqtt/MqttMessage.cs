using SecureMqtt.Engine;
using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>
/// An application message: what <see cref="MqttClient.PublishAsync(MqttMessage, CancellationToken)"/> sends, what
/// subscriptions receive, and the will. The payload memory belongs to the message: the client never reuses it, except
/// for received messages under <see cref="MqttClientOptions.PoolIncomingMessages"/>, which the application gives back
/// with <see cref="Return"/>.
/// </summary>
public sealed record MqttMessage
{
    // Explicit fields rather than auto-properties so that a pooled received message can be filled again
    // (IncomingMessagePool); from outside the properties stay init-only.
    private string _topic = null!;
    private ReadOnlyMemory<byte> _payload;
    private MqttQualityOfService _qualityOfService;
    private bool _retain;
    private bool _duplicate;
    private MqttPayloadFormatIndicator? _payloadFormat;
    private TimeSpan? _messageExpiry;
    private string? _contentType;
    private string? _responseTopic;
    private ReadOnlyMemory<byte>? _correlationData;
    private IReadOnlyList<MqttUserProperty> _userProperties = [];
    private ushort? _packetId;
    private IReadOnlyList<uint> _subscriptionIdentifiers = [];

    /// <summary>The topic name (no wildcards).</summary>
    public required string Topic { get => _topic; init => _topic = value; }

    /// <summary>
    /// The payload bytes. On a message received under <see cref="MqttClientOptions.PoolIncomingMessages"/> they
    /// are valid until <see cref="Return"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Payload { get => _payload; init => _payload = value; }

    /// <summary>The quality of service: the one published with, or the one delivered with on receipt.</summary>
    public MqttQualityOfService QualityOfService { get => _qualityOfService; init => _qualityOfService = value; }

    /// <summary>Whether the broker keeps the message for later subscribers (on receipt: whether it was a retained message).</summary>
    public bool Retain { get => _retain; init => _retain = value; }

    /// <summary>On receipt: the broker marked this as a possible redelivery (DUP).</summary>
    public bool Duplicate { get => _duplicate; init => _duplicate = value; }

    /// <summary>MQTT 5 payload format indicator (UTF-8 text or unspecified bytes).</summary>
    public MqttPayloadFormatIndicator? PayloadFormat { get => _payloadFormat; init => _payloadFormat = value; }

    /// <summary>MQTT 5 message expiry: the broker drops the message when it is not delivered in time. Whole seconds.</summary>
    public TimeSpan? MessageExpiry { get => _messageExpiry; init => _messageExpiry = value; }

    /// <summary>MQTT 5 content type (a MIME type, for example "application/json").</summary>
    public string? ContentType { get => _contentType; init => _contentType = value; }

    /// <summary>MQTT 5 response topic for request/response.</summary>
    public string? ResponseTopic { get => _responseTopic; init => _responseTopic = value; }

    /// <summary>MQTT 5 correlation data for request/response.</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get => _correlationData; init => _correlationData = value; }

    /// <summary>MQTT 5 user properties, in order, duplicates allowed.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get => _userProperties; init => _userProperties = value; }

    /// <summary>
    /// On receipt: the packet identifier the broker gave this QoS 1 or 2 delivery; null for QoS 0 and on messages
    /// built for publishing. Informational only (logs, tools): the client acknowledges the message itself, and the
    /// broker may reuse the identifier once the flow is complete. Ignored by
    /// <see cref="MqttClient.PublishAsync(MqttMessage, CancellationToken)"/>, which picks its own.
    /// </summary>
    public ushort? PacketId { get => _packetId; init => _packetId = value; }

    /// <summary>On receipt (MQTT 5): identifiers of the subscriptions that matched.</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get => _subscriptionIdentifiers; init => _subscriptionIdentifiers = value; }

    /// <summary>
    /// Gives a message that <see cref="MqttClient.ReadMessagesAsync"/> returned under
    /// <see cref="MqttClientOptions.PoolIncomingMessages"/> back to the client, which fills this object and its payload
    /// buffer with a later message: neither the message nor its <see cref="Payload"/> may be used afterwards, by this
    /// code or by anything it handed them to (copy what must be kept first). Messages given to handlers need no call:
    /// the client takes them back when the handlers have finished, so a handler keeps nothing of a pooled message
    /// beyond its own completion. Does nothing on any other message, on a copy made with <c>with</c>, or when called
    /// twice. A pooled message that is never returned is collected as usual; it is just not reused.
    /// </summary>
    public void Return() => IncomingMessagePool.ReleaseByApplication(this);

    /// <summary>A received message that owns <paramref name="payload"/>; built by the same mapping a pooled one is refilled with.</summary>
    internal static MqttMessage Received(in MqttPublishFields fields, string topic, ReadOnlyMemory<byte> payload, bool duplicate)
    {
        var message = new MqttMessage { Topic = topic };
        message.Refill(fields, topic, payload, duplicate);
        return message;
    }

    /// <summary>
    /// Makes this a message with only topic, payload, QoS and retain: the topic-and-payload publish overload's, which
    /// reuses one per pooled publish waiter (<see cref="Session.PublishWaiter"/>); the application never sees it.
    /// </summary>
    internal void ResetForPublish(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qualityOfService, bool retain)
    {
        _topic = topic;
        _payload = payload;
        _qualityOfService = qualityOfService;
        _retain = retain;
        _duplicate = false;
        _payloadFormat = null;
        _messageExpiry = null;
        _contentType = null;
        _responseTopic = null;
        _correlationData = null;
        _userProperties = [];
        _packetId = null;
        _subscriptionIdentifiers = [];
    }

    /// <summary>Fills a message with a received PUBLISH's fields (a new one, or a pooled one being reused).</summary>
    internal void Refill(in MqttPublishFields fields, string topic, ReadOnlyMemory<byte> payload, bool duplicate)
    {
        _topic = topic;
        _payload = payload;
        _qualityOfService = fields.QualityOfService;
        _retain = fields.Retain;
        _duplicate = duplicate;
        _payloadFormat = fields.PayloadFormatIndicator;
        _messageExpiry = fields.MessageExpiryInterval is { } expiry ? TimeSpan.FromSeconds(expiry) : null;
        _contentType = fields.ContentType;
        _responseTopic = fields.ResponseTopic;
        _correlationData = fields.CorrelationData;
        _userProperties = fields.UserProperties;
        _packetId = fields.QualityOfService == MqttQualityOfService.AtMostOnce ? null : fields.PacketId;
        _subscriptionIdentifiers = fields.SubscriptionIdentifiers;
    }
}
