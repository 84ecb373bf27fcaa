namespace SecureMqtt;

/// <summary>Where a client stands.</summary>
public enum MqttClientState
{
    /// <summary>Not connected and not trying: before the first connect, after DisconnectAsync, or after reconnecting gave up.</summary>
    Disconnected,

    /// <summary>ConnectAsync is running.</summary>
    Connecting,

    /// <summary>Connected: the session is set up and messages flow.</summary>
    Connected,

    /// <summary>The connection was lost; the client is waiting to try again or trying.</summary>
    Reconnecting,

    /// <summary>Disposed.</summary>
    Disposed,
}
