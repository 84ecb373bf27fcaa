namespace SecureMqtt;

/// <summary>A message could not be queued while offline: the queue is full and its FullMode is Fail. Nothing was sent.</summary>
public sealed class MqttOfflineQueueFullException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is full and what to do.</param>
    public MqttOfflineQueueFullException(string message)
        : base(message)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
