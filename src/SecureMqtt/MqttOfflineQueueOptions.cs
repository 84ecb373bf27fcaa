namespace SecureMqtt;

/// <summary>What a full offline queue does to a publisher of a QoS 1 or 2 message.</summary>
public enum MqttOfflineQueueFullMode
{
    /// <summary>The publisher waits for room (back-pressure), until its cancellation token fires.</summary>
    Wait,

    /// <summary>The publish fails at once with <see cref="MqttOfflineQueueFullException"/>.</summary>
    Fail,
}

/// <summary>
/// The queue that holds messages published while the client is connecting or reconnecting. Nothing in it is
/// dropped silently: QoS 1/2 publishers wait or fail when it is full, QoS 0 messages are dropped only when
/// <see cref="DropAtMostOnce"/> says so (logged and counted).
/// </summary>
public sealed record MqttOfflineQueueOptions
{
    /// <summary>Messages the queue holds at most. Default 10,000.</summary>
    public int MaximumMessages { get; init; } = 10_000;

    /// <summary>Payload and topic bytes the queue holds at most. Default 16 MiB.</summary>
    public long MaximumBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>What a QoS 1/2 publisher meets when the queue is full. Default <see cref="MqttOfflineQueueFullMode.Wait"/>.</summary>
    public MqttOfflineQueueFullMode FullMode { get; init; } = MqttOfflineQueueFullMode.Wait;

    /// <summary>
    /// QoS 0 while not connected: false (default) queues it like the others; true drops it at once (a QoS 0 message
    /// is only worth sending now, a sensor reading for example). A dropped message is logged and counted in the
    /// metric mqtt.client.messages.dropped, and its PublishAsync completes.
    /// </summary>
    public bool DropAtMostOnce { get; init; }
}
