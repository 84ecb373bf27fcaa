using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>Why the connection ended without the application asking for it.</summary>
public sealed class MqttConnectionLostEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="exception">What ended the connection.</param>
    /// <param name="disconnectReasonCode">The reason code of the broker's DISCONNECT (MQTT 5), if it sent one.</param>
    public MqttConnectionLostEventArgs(Exception exception, MqttReasonCode? disconnectReasonCode)
    {
        Exception = exception;
        DisconnectReasonCode = disconnectReasonCode;
    }

    /// <summary>What ended the connection: <see cref="MqttConnectionLostException"/> (socket closed, keep-alive
    /// timeout, broker DISCONNECT) or <see cref="SecureMqtt.Packets.MqttProtocolException"/> (the broker broke the protocol).</summary>
    public Exception Exception { get; }

    /// <summary>The reason code of the broker's DISCONNECT packet, if the broker sent one.</summary>
    public MqttReasonCode? DisconnectReasonCode { get; }
}
