namespace SecureMqtt.Testing.Faults;

/// <summary>What one fault experiment measured. Counts are of distinct message numbers unless said otherwise.</summary>
public sealed record FaultScenarioResult
{
    /// <summary>The scenario's name: qos1, qos2, restarts or failover.</summary>
    public required string Scenario { get; init; }

    /// <summary>The seed the run used; repeat a failing run with it.</summary>
    public required int Seed { get; init; }

    /// <summary>PublishAsync calls made.</summary>
    public required int Sent { get; init; }

    /// <summary>PublishAsync tasks that completed with a successful acknowledgement (PUBACK, PUBCOMP).</summary>
    public required int Acknowledged { get; init; }

    /// <summary>PublishAsync tasks that failed, or were still pending when the run gave up on them.</summary>
    public int NotAcknowledged => Sent - Acknowledged;

    /// <summary>Distinct messages the subscribing application received.</summary>
    public required int Received { get; init; }

    /// <summary>
    /// Messages acknowledged to the publisher but never received by the subscriber. The failover scenario leaves
    /// out those the dead broker never bridged (<see cref="BrokerLoss"/>): they are the broker's loss, not the client's.
    /// </summary>
    public required int Lost { get; init; }

    /// <summary>Deliveries to the application beyond the first of each message (QoS 1 allows them; QoS 2 does not).</summary>
    public required int Duplicated { get; init; }

    /// <summary>
    /// Of <see cref="Duplicated"/>, the QoS 2 copies the broker sent again after its PUBREL, under the first copy's
    /// packet id with DUP set ([MQTT-4.3.3-6] forbids it; Mosquitto 2.0.11 does it after quick reconnects). The
    /// application did see them twice; <see cref="MqttClientOptions.SuppressQoS2ResendAfterRelease"/> stops them.
    /// </summary>
    public int BrokerResends { get; init; }

    /// <summary>Failover only: messages acknowledged (by the first broker) that never reached the second one over the bridge.</summary>
    public int BrokerLoss { get; init; }

    /// <summary>Faults injected, by kind (proxy fault kinds, broker restarts, broker kills).</summary>
    public required IReadOnlyDictionary<string, int> Faults { get; init; }

    /// <summary>All faults together.</summary>
    public int FaultTotal => Faults.Values.Sum();

    /// <summary>Connections that replaced a lost one, over all the scenario's clients (Connected events with IsReconnect).</summary>
    public required int Reconnects { get; init; }

    /// <summary>Median time from a Disconnected event to the next Connected event of the same client; null without reconnects.</summary>
    public TimeSpan? ReconnectP50 { get; init; }

    /// <summary>99th percentile of the same.</summary>
    public TimeSpan? ReconnectP99 { get; init; }

    /// <summary>Wall-clock time of the run, broker start-up included.</summary>
    public required TimeSpan Wall { get; init; }

    /// <summary>Expectations of the scenario that did not hold, beyond the counts (which server a client ended on, for example).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>The first few lost message numbers, to start an investigation from.</summary>
    public IReadOnlyList<int> LostSample { get; init; } = [];

    /// <summary>Faults by kind as one short string: <c>close 12, reset 9, stall 4</c>.</summary>
    public string FaultSummary => Faults.Count == 0 ? "none" : string.Join(", ", Faults.Where(f => f.Value > 0).Select(f => $"{f.Key} {f.Value}"));

    /// <summary>
    /// Whether the run met the bar: nothing acknowledged was lost, every publish was acknowledged, QoS 2
    /// delivered nothing twice, and no further expectation failed. With <paramref name="allowBrokerResends"/>,
    /// QoS 2 copies the broker itself sent again after PUBREL (<see cref="BrokerResends"/>) do not fail the run,
    /// as the failover broker's own loss does not: the client followed the specification in taking them as new.
    /// </summary>
    public bool Passed(bool exactlyOnce, bool allowBrokerResends = false) =>
        Lost == 0 && NotAcknowledged == 0 && (!exactlyOnce || Duplicated - (allowBrokerResends ? BrokerResends : 0) == 0) && Problems.Count == 0;
}
