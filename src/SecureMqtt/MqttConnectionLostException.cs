using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>
/// The connection ended while an operation was pending or was attempted: the socket closed, the broker stopped
/// answering keep-alive, or the broker sent DISCONNECT.
/// </summary>
public sealed class MqttConnectionLostException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the connection ended.</param>
    /// <param name="inner">The underlying failure, if any.</param>
    /// <param name="disconnectReasonCode">The reason code of the broker's DISCONNECT (MQTT 5), if it sent one.</param>
    public MqttConnectionLostException(string message, Exception? inner = null, MqttReasonCode? disconnectReasonCode = null)
        : base(message, inner)
    {
        DisconnectReasonCode = disconnectReasonCode;
    }

    /// <summary>The reason code of the broker's DISCONNECT packet, when the broker ended the connection with one.</summary>
    public MqttReasonCode? DisconnectReasonCode { get; }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
