using SecureMqtt.Packets;

namespace SecureMqtt.Testing.Faults;

/// <summary>
/// The fault experiments of issue 9, each a real run: its own Mosquitto on free loopback ports, real clients,
/// faults injected by <see cref="FaultProxy"/> or by signalling the broker, and a <see cref="FaultScenarioResult"/>
/// of what was sent, acknowledged, received, lost and duplicated. <c>bench/SecureMqtt.Faults</c> runs them with the
/// issue's counts; the integration tests run small seeded versions.
/// </summary>
public static partial class FaultScenarios
{
    /// <summary>The scenario names, in the order <c>all</c> runs them.</summary>
    /// <remarks>
    /// "qos2-suppress" is "qos2" with <see cref="MqttClientOptions.SuppressQoS2ResendAfterRelease"/> on in both
    /// clients: Mosquitto 2.0 sends some released QoS 2 messages again (docs/reliability.md), which "qos2" counts.
    /// </remarks>
    public static IReadOnlyList<string> Names { get; } = ["qos1", "qos2", "qos2-suppress", "restarts", "failover"];

    /// <summary>Runs the scenario called <paramref name="name"/> (one of <see cref="Names"/>).</summary>
    /// <param name="name">The scenario.</param>
    /// <param name="options">Counts, seed and timings.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static Task<FaultScenarioResult> RunAsync(string name, FaultScenarioOptions options, CancellationToken cancellationToken = default) => name switch
    {
        "qos1" => Qos1UnderFaultsAsync(options, cancellationToken),
        "qos2" => Qos2UnderFaultsAsync(options, cancellationToken),
        "qos2-suppress" => Qos2UnderFaultsAsync(options with { SuppressQoS2ResendAfterRelease = true }, cancellationToken),
        "restarts" => BrokerRestartsAsync(options, cancellationToken),
        "failover" => FailoverAsync(options, cancellationToken),
        _ => throw new ArgumentException($"Unknown scenario '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>
    /// QoS 1 (by default) under chaos. The publisher and the subscriber each reach Mosquitto through a fault proxy
    /// of their own running a seeded chaos schedule (close, reset, stall, fragmentation, delay); both keep sessions on
    /// the broker, so it queues for the subscriber while it is away. Publishing is pipelined and paced so that
    /// <see cref="FaultScenarioOptions.Faults"/> faults of the publisher's proxy fall inside the stream. Expected: 0 lost.
    /// </summary>
    /// <param name="options">Counts, seed and timings.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<FaultScenarioResult> Qos1UnderFaultsAsync(FaultScenarioOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var qos = options.QualityOfService ?? MqttQualityOfService.AtLeastOnce;
        await using var run = new ScenarioRun("qos1", options);
        var port = FreePort.Next();
        await run.StartBrokerAsync(port, persistence: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var publisherProxy = await FaultProxy.StartAsync("127.0.0.1", port, options.Seed, cancellationToken).ConfigureAwait(false);
        await using var subscriberProxy = await FaultProxy.StartAsync("127.0.0.1", port, DerivedSeed(options.Seed, 1), cancellationToken).ConfigureAwait(false);

        var subscriber = await run.ConnectAsync(run.ClientOptions("faults-sub", subscriberProxy.Port), cancellationToken: cancellationToken).ConfigureAwait(false);
        await subscriber.SubscribeAsync(run.Topic, qos, run.Deliver("faults-sub"), cancellationToken).ConfigureAwait(false);
        var publisher = await run.ConnectAsync(run.ClientOptions("faults-pub", publisherProxy.Port), cancellationToken: cancellationToken).ConfigureAwait(false);

        var pump = new PublishPump(publisher, run.Topic, qos, options);
        run.StartProgress(pump, () => publisherProxy.FaultsInjected + subscriberProxy.FaultsInjected);
        publisherProxy.StartChaos(options.Mix, options.FaultInterval);
        subscriberProxy.StartChaos(options.Mix, options.FaultInterval * 2);
        await pump.RunAsync(options.Faults + 1, (k, token) => publisherProxy.WaitForFaultsAsync(k, token), cancellationToken).ConfigureAwait(false);
        await publisherProxy.StopChaosAsync().ConfigureAwait(false);
        await subscriberProxy.StopChaosAsync().ConfigureAwait(false);

        await run.Tally.WaitForAllOrQuietAsync(options.QuietPeriod, cancellationToken, subscriber).ConfigureAwait(false);
        var held = await run.ResetSubscriberIfShortAsync(subscriberProxy, subscriber, cancellationToken).ConfigureAwait(false);
        return run.Finish(pump, ScenarioRun.FaultsOf(publisherProxy, subscriberProxy), problems: [.. run.ForgottenSessions(), .. (held is null ? Array.Empty<string>() : new[] { held })]);
    }

    /// <summary>
    /// QoS 2 under chaos and under cuts right after PUBREC and right after PUBREL, in both directions on both
    /// sides: subscriber to broker PUBREC, broker to publisher PUBREC, publisher to broker PUBREL, broker to
    /// subscriber PUBREL, alternately closed and reset. Both clients keep sessions on the broker, which is what
    /// keeps QoS 2 exactly once across connections. Expected: 0 lost, 0 delivered twice.
    /// </summary>
    /// <param name="options">Counts, seed and timings.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<FaultScenarioResult> Qos2UnderFaultsAsync(FaultScenarioOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var run = new ScenarioRun(options.SuppressQoS2ResendAfterRelease ? "qos2-suppress" : "qos2", options);
        var port = FreePort.Next();
        await run.StartBrokerAsync(port, persistence: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var publisherProxy = await FaultProxy.StartAsync("127.0.0.1", port, options.Seed, cancellationToken).ConfigureAwait(false);
        await using var subscriberProxy = await FaultProxy.StartAsync("127.0.0.1", port, DerivedSeed(options.Seed, 1), cancellationToken).ConfigureAwait(false);

        var subscriber = await run.ConnectAsync(run.ClientOptions("faults-sub", subscriberProxy.Port), cancellationToken: cancellationToken).ConfigureAwait(false);
        await subscriber.SubscribeAsync(run.Topic, MqttQualityOfService.ExactlyOnce, run.Deliver("faults-sub"), cancellationToken).ConfigureAwait(false);
        var publisher = await run.ConnectAsync(run.ClientOptions("faults-pub", publisherProxy.Port), cancellationToken: cancellationToken).ConfigureAwait(false);

        static bool IsPubRec(byte b) => b >> 4 == 5;
        static bool IsPubRel(byte b) => b >> 4 == 6;
        var cuts = new (FaultProxy Proxy, ProxyDirection Direction, Func<byte, bool> Packet)[]
        {
            (subscriberProxy, ProxyDirection.ClientToUpstream, IsPubRec),
            (publisherProxy, ProxyDirection.UpstreamToClient, IsPubRec),
            (publisherProxy, ProxyDirection.ClientToUpstream, IsPubRel),
            (subscriberProxy, ProxyDirection.UpstreamToClient, IsPubRel),
        };
        var armed = new List<Task>();

        var pump = new PublishPump(publisher, run.Topic, MqttQualityOfService.ExactlyOnce, options);
        run.StartProgress(pump, () => publisherProxy.FaultsInjected + subscriberProxy.FaultsInjected);
        publisherProxy.StartChaos(options.Mix, options.FaultInterval);
        subscriberProxy.StartChaos(options.Mix, options.FaultInterval * 2);

        // Every other chunk begins with a cut armed; the chaos schedules keep faults coming either way, so a cut
        // that waits for its packet cannot stall the pace.
        await pump.RunAsync(options.Faults + 1, (k, token) =>
        {
            if (k % 2 == 1)
            {
                var (proxy, direction, packet) = cuts[(k / 2) % cuts.Length];
                armed.Add(proxy.CutAfterNextPacket(direction, packet, reset: (k / 2 / cuts.Length) % 2 == 1));
            }

            return ScenarioRun.WaitForFaultsAsync(k, token, publisherProxy, subscriberProxy);
        }, cancellationToken).ConfigureAwait(false);
        await publisherProxy.StopChaosAsync().ConfigureAwait(false);
        await subscriberProxy.StopChaosAsync().ConfigureAwait(false);

        await run.Tally.WaitForAllOrQuietAsync(options.QuietPeriod, cancellationToken, subscriber).ConfigureAwait(false);
        var problems = run.ForgottenSessions().ToList();
        if (await run.ResetSubscriberIfShortAsync(subscriberProxy, subscriber, cancellationToken).ConfigureAwait(false) is { } held)
        {
            problems.Add(held);
        }

        if (armed.Count > 0 && publisherProxy.FaultCount(FaultKind.CutAfterPacket) + subscriberProxy.FaultCount(FaultKind.CutAfterPacket) == 0)
        {
            problems.Add($"none of the {armed.Count} PUBREC/PUBREL cuts fired");
        }

        return run.Finish(pump, ScenarioRun.FaultsOf(publisherProxy, subscriberProxy), problems: problems);
    }

    // Not HashCode.Combine: it is randomized per process, and a seed must name the same run tomorrow.
    private static int DerivedSeed(int seed, int stream) => unchecked((seed * -1640531535) + stream);
}
