using SecureMqtt.Packets;

namespace SecureMqtt.Testing.Faults;

/// <summary>
/// The knobs of one fault experiment. The same record drives the heavy runs of <c>scripts/faults.sh</c> and the
/// small seeded runs of the test suite; only the counts differ.
/// </summary>
public sealed record FaultScenarioOptions
{
    /// <summary>How many numbered messages the publisher hands to PublishAsync.</summary>
    public int Messages { get; init; } = 2_000;

    /// <summary>
    /// How many faults to inject at least (proxy faults, broker restarts; the failover scenario always kills one
    /// broker). Publishing is cut into <c>Faults + 1</c> chunks and chunk k starts only once k faults happened, so a
    /// fast publisher cannot finish before the faults did, and the last chunk runs after the last one.
    /// </summary>
    public int Faults { get; init; } = 6;

    /// <summary>The mean gap between chaos faults (a Poisson process in <see cref="FaultProxy.StartChaos"/>).</summary>
    public TimeSpan FaultInterval { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Seed of every random choice: the proxies' schedules and fragment sizes, the order of cut kinds.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The QoS of every publish and subscription; each scenario has its own default and may insist on one.</summary>
    public MqttQualityOfService? QualityOfService { get; init; }

    /// <summary>Sets <see cref="MqttClientOptions.SuppressQoS2ResendAfterRelease"/> on the scenario's clients.</summary>
    public bool SuppressQoS2ResendAfterRelease { get; init; }

    /// <summary>Payload bytes per message (at least 4: the message number).</summary>
    public int PayloadSize { get; init; } = 32;

    /// <summary>PublishAsync calls allowed to be outstanding at once (pipelining).</summary>
    public int MaxOutstanding { get; init; } = 500;

    /// <summary>
    /// The client keep-alive. Short, so a stalled (half-open) connection is noticed within 1.5 times it and
    /// replaced, instead of hanging the run.
    /// </summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Which faults the chaos schedule picks and how long its period faults last.</summary>
    public FaultMix Mix { get; init; } = new()
    {
        Close = 2,
        Reset = 2,
        Stall = 1,
        Fragmentation = 1,
        Delay = 1,
        StallDuration = TimeSpan.FromSeconds(3.5),
        FragmentationDuration = TimeSpan.FromMilliseconds(500),
        DelayDuration = TimeSpan.FromMilliseconds(500),
        MaximumDelay = TimeSpan.FromMilliseconds(20),
    };

    /// <summary>How long the broker stays down between SIGTERM and the restart (broker restart scenario).</summary>
    public TimeSpan RestartDowntime { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long publishing may take in all before the publishes still pending count as not acknowledged.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the publisher may go without any publish completing, while some are pending, before those are
    /// declared hung (not acknowledged) and the run goes on to count: a stuck publish ends the run instead of
    /// holding it until <see cref="PublishTimeout"/>.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A directory for Debug logs of the scenario's clients (every packet, libmosquitto's wording), one file per
    /// client; null: no logs. For investigating a lost or hung message together with the broker's log
    /// (keep the brokers' directories with <c>SECUREMQTT_FAULTS_KEEP=1</c>).
    /// </summary>
    public string? LogDirectory { get; init; }

    /// <summary>
    /// Once every publish completed, how long the subscriber may go without a new message before the count is
    /// final; it ends at once when every message arrived.
    /// </summary>
    public TimeSpan QuietPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Receives a progress line about once a second (the runner prints them on stderr); null: silent.</summary>
    public Action<string>? Progress { get; init; }
}
