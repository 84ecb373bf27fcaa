namespace SecureMqtt;

/// <summary>A connection is up: CONNACK accepted, the session restored, subscriptions sent again where needed.</summary>
public sealed class MqttConnectedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="result">What the broker said in CONNACK.</param>
    /// <param name="endpoint">The server connected to.</param>
    /// <param name="isReconnect">True when this connection replaced a lost one.</param>
    public MqttConnectedEventArgs(MqttConnectResult result, MqttEndpoint endpoint, bool isReconnect)
    {
        Result = result;
        Endpoint = endpoint;
        IsReconnect = isReconnect;
    }

    /// <summary>What the broker said in CONNACK.</summary>
    public MqttConnectResult Result { get; }

    /// <summary>Whether the broker still had the session (then nothing had to be subscribed again).</summary>
    public bool SessionPresent => Result.SessionPresent;

    /// <summary>The server connected to.</summary>
    public MqttEndpoint Endpoint { get; }

    /// <summary>True when this connection replaced a lost one.</summary>
    public bool IsReconnect { get; }
}

/// <summary>A connection ended without the application asking for it.</summary>
public sealed class MqttDisconnectedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="exception">Why the connection ended, or why reconnecting gave up.</param>
    /// <param name="endpoint">The server of the connection that ended, or the last one tried.</param>
    /// <param name="willRetry">Whether the client will try to connect again.</param>
    /// <param name="retryDelay">How long it waits before the next attempt, when it retries.</param>
    public MqttDisconnectedEventArgs(Exception exception, MqttEndpoint? endpoint, bool willRetry, TimeSpan? retryDelay)
    {
        Exception = exception;
        Endpoint = endpoint;
        WillRetry = willRetry;
        RetryDelay = retryDelay;
    }

    /// <summary>Why the connection ended (or, when <see cref="WillRetry"/> is false after attempts, why they stopped).</summary>
    public Exception Exception { get; }

    /// <summary>The server of the connection that ended, or the last one tried.</summary>
    public MqttEndpoint? Endpoint { get; }

    /// <summary>Whether the client will try to connect again.</summary>
    public bool WillRetry { get; }

    /// <summary>The wait before the next attempt, when <see cref="WillRetry"/>.</summary>
    public TimeSpan? RetryDelay { get; }
}

/// <summary>The client is about to try to connect again.</summary>
public sealed class MqttReconnectingEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="attempt">1 for the first attempt after the loss.</param>
    /// <param name="endpoint">The server this attempt goes to.</param>
    /// <param name="lastError">Why the previous attempt or connection failed.</param>
    public MqttReconnectingEventArgs(int attempt, MqttEndpoint endpoint, Exception? lastError)
    {
        Attempt = attempt;
        Endpoint = endpoint;
        LastError = lastError;
    }

    /// <summary>1 for the first attempt after the loss.</summary>
    public int Attempt { get; }

    /// <summary>The server this attempt goes to.</summary>
    public MqttEndpoint Endpoint { get; }

    /// <summary>Why the previous attempt or connection failed.</summary>
    public Exception? LastError { get; }
}
