namespace SecureMqtt;

/// <summary>
/// How the client reconnects after a connection it had is lost: jittered exponential backoff on the client's
/// <see cref="MqttClientOptions.TimeProvider"/>, trying the servers in turn. Failures that will not go away by
/// waiting (credentials refused, certificate untrusted, not authorized) end the retries and are reported.
/// </summary>
public sealed record MqttReconnectOptions
{
    /// <summary>Reconnect automatically once a first connect succeeded. Default true.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Keep trying when the very first <see cref="MqttClient.ConnectAsync(CancellationToken)"/> fails with a transient
    /// failure (the broker not up yet), instead of failing at once. Default false: a first connect fails fast.
    /// </summary>
    public bool RetryFirstConnect { get; init; }

    /// <summary>The wait before the first reconnect attempt. Default 1 s.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts; the delay doubles up to it. Default 30 s.</summary>
    public TimeSpan MaximumDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The fraction (0 to 1) of each delay drawn at random, so clients cut off together do not return together.
    /// Default 0.2: a delay of 10 s becomes one between 8 and 10 s.
    /// </summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>
    /// After a reconnect that found no session on the broker, make the application's subscriptions again before
    /// queued messages flow. Default true. False leaves it to the application (its <see cref="MqttClient.Connected"/>
    /// handler), as mosquitto_sub's on-connect callback does.
    /// </summary>
    public bool Resubscribe { get; init; } = true;

    /// <summary>Attempts after one loss before the client gives up; null (default) tries until disposed.</summary>
    public int? MaximumAttempts { get; init; }

    /// <summary>
    /// MQTT 5: follow a Server Reference in a CONNACK or DISCONNECT with reason Use another server (0x9C) or Server
    /// moved (0x9D) on the next attempt. The referenced server is verified exactly like the configured ones. Default false.
    /// </summary>
    public bool FollowServerReferences { get; init; }

    /// <summary>No automatic reconnect: a lost connection stays lost, as before version 0.3.</summary>
    public static MqttReconnectOptions Disabled { get; } = new() { Enabled = false };
}
