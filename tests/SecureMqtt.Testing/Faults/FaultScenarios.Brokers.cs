using System.Globalization;
using SecureMqtt.Packets;

namespace SecureMqtt.Testing.Faults;

public static partial class FaultScenarios
{
    private static readonly TimeSpan BridgeTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// QoS 1 (by default) while Mosquitto, with persistence on, is stopped with SIGTERM and started again on the same
    /// port and database <see cref="FaultScenarioOptions.Faults"/> times during the stream. Publisher and subscriber
    /// connect directly, with fixed client ids and sessions the broker keeps (and saves), and reconnect with a short
    /// backoff; messages published while the broker is down wait in the offline queue. Expected: 0 lost.
    /// </summary>
    /// <param name="options">Counts (Faults = restarts), seed and timings.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<FaultScenarioResult> BrokerRestartsAsync(FaultScenarioOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var qos = options.QualityOfService ?? MqttQualityOfService.AtLeastOnce;
        await using var run = new ScenarioRun("restarts", options);
        var port = FreePort.Next();
        var broker = await run.StartBrokerAsync(port, persistence: true, cancellationToken: cancellationToken).ConfigureAwait(false);

        var subscriber = await run.ConnectAsync(run.ClientOptions("faults-sub", port), cancellationToken: cancellationToken).ConfigureAwait(false);
        await subscriber.SubscribeAsync(run.Topic, qos, run.Deliver("faults-sub"), cancellationToken).ConfigureAwait(false);
        var publisher = await run.ConnectAsync(run.ClientOptions("faults-pub", port), cancellationToken: cancellationToken).ConfigureAwait(false);

        var restarts = 0;
        var restarting = Task.CompletedTask;
        async Task RestartAsync(CancellationToken token)
        {
            await broker.TerminateAsync(token).ConfigureAwait(false);
            await Task.Delay(options.RestartDowntime, token).ConfigureAwait(false);
            await broker.RestartAsync(token).ConfigureAwait(false);
            Interlocked.Increment(ref restarts);
        }

        var pump = new PublishPump(publisher, run.Topic, qos, options);
        run.StartProgress(pump, () => Volatile.Read(ref restarts));

        // Chunk k starts together with restart k; publishing goes on (into the offline queue) while the broker is down.
        await pump.RunAsync(options.Faults + 1, async (k, token) =>
        {
            await restarting.ConfigureAwait(false);
            restarting = RestartAsync(token);
        }, cancellationToken).ConfigureAwait(false);
        await restarting.ConfigureAwait(false);

        await run.Tally.WaitForAllOrQuietAsync(options.QuietPeriod, cancellationToken, subscriber).ConfigureAwait(false);
        return run.Finish(pump, new Dictionary<string, int> { ["sigterm-restart"] = restarts }, problems: run.ForgottenSessions());
    }

    /// <summary>
    /// Failover between two bridged Mosquittos. Broker 1 bridges <c>faults/#</c> both ways at QoS 1 to broker 2.
    /// Publisher and subscriber are both given [broker 1, broker 2] and so start on broker 1; the subscriber's
    /// session (with its subscription) already exists on broker 2, so what the bridge carries before the kill waits
    /// there for it, and nothing published to broker 2 after the kill goes unheard. Halfway through, broker 1 is
    /// killed with SIGKILL; both clients must move to broker 2, every publish must be acknowledged by one broker or
    /// the other, and the subscriber must receive again. A witness client on broker 2 records what reached it;
    /// acknowledged messages it never saw were acknowledged by broker 1 and never bridged:
    /// <see cref="FaultScenarioResult.BrokerLoss"/>, reported apart from <see cref="FaultScenarioResult.Lost"/>.
    /// </summary>
    /// <param name="options">Counts, seed and timings (Faults is ignored: one broker is killed).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<FaultScenarioResult> FailoverAsync(FaultScenarioOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var qos = options.QualityOfService ?? MqttQualityOfService.AtLeastOnce;
        await using var run = new ScenarioRun("failover", options);
        var ports = FreePort.Next(2);
        var (first, second) = (ports[0], ports[1]);
        var topicRoot = run.Topic[..run.Topic.LastIndexOf('/')];
        await run.StartBrokerAsync(second, persistence: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        var bridge = string.Create(CultureInfo.InvariantCulture, $"""

            connection faults-bridge
            address 127.0.0.1:{second}
            topic {topicRoot}/# both 1
            cleansession false
            restart_timeout 1
            notifications false
            """) + "\n";
        var firstBroker = await run.StartBrokerAsync(first, persistence: false, bridge, cancellationToken).ConfigureAwait(false);

        // The witness sees what reached broker 2; it is not one of the clients under test.
        var witnessTally = new DeliveryTally(options.Messages);
        var witness = await run.ConnectAsync(run.ClientOptions("faults-witness", second), watch: false, cancellationToken).ConfigureAwait(false);
        await witness.SubscribeAsync(run.Topic, qos, witnessTally.OnMessageAsync, cancellationToken).ConfigureAwait(false);

        // The subscriber's session on broker 2, made before the run: same client id, a subscription, then away.
        await using (var early = new MqttClient(run.ClientOptions("faults-sub", second)))
        {
            await early.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await early.SubscribeAsync(run.Topic, qos, cancellationToken: cancellationToken).ConfigureAwait(false);
            await early.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var onSecond = 0;
        var subscriber = await run.ConnectAsync(run.ClientOptions("faults-sub", first, second), cancellationToken: cancellationToken).ConfigureAwait(false);
        await subscriber.SubscribeAsync(run.Topic, qos, (message, token) =>
        {
            if (subscriber.Endpoint?.Port == second)
            {
                Interlocked.Increment(ref onSecond);
            }

            return run.Tally.OnMessageAsync(message, token);
        }, cancellationToken).ConfigureAwait(false);
        var publisher = await run.ConnectAsync(run.ClientOptions("faults-pub", first, second), cancellationToken: cancellationToken).ConfigureAwait(false);
        await WaitForBridgeAsync(publisher, run.Topic, witnessTally, cancellationToken).ConfigureAwait(false);

        var killed = 0;
        var pump = new PublishPump(publisher, run.Topic, qos, options);
        run.StartProgress(pump, () => Volatile.Read(ref killed));
        await pump.RunAsync(2, async (_, _) =>
        {
            await firstBroker.KillAsync().ConfigureAwait(false);
            killed = 1;
        }, cancellationToken).ConfigureAwait(false);

        await Task.WhenAll(
            run.Tally.WaitForAllOrQuietAsync(options.QuietPeriod, cancellationToken, subscriber),
            witnessTally.WaitForAllOrQuietAsync(options.QuietPeriod, cancellationToken, witness)).ConfigureAwait(false);

        // The publisher has no session on broker 2 (only the subscriber's was made there): a fresh one is expected.
        var problems = run.ForgottenSessions("faults-pub").ToList();
        foreach (var (who, client) in new[] { ("publisher", publisher), ("subscriber", subscriber) })
        {
            if (client.Endpoint?.Port != second)
            {
                problems.Add($"the {who} ended on {client.Endpoint}, not on broker 2 (port {second})");
            }
        }

        if (Volatile.Read(ref onSecond) == 0)
        {
            problems.Add("the subscriber received nothing on broker 2");
        }

        // The backoff bound: one backoff of at most MaximumDelay, then one connect attempt to the next server.
        var bound = ScenarioRun.Reconnect.MaximumDelay + TimeSpan.FromSeconds(5);
        var result = run.Finish(pump, new Dictionary<string, int> { ["sigkill"] = killed },
            lost: n => pump.IsAcknowledged(n) && !run.Tally.Has(n) && witnessTally.Has(n),
            brokerLoss: Enumerable.Range(0, options.Messages).Count(n => pump.IsAcknowledged(n) && !witnessTally.Has(n)),
            problems: problems);
        if (result.ReconnectP99 > bound)
        {
            result = result with { Problems = [.. result.Problems, $"a client took {result.ReconnectP99} to reach broker 2, more than {bound}"] };
        }

        if (result.Reconnects < 2)
        {
            result = result with { Problems = [.. result.Problems, $"expected both clients to reconnect, counted {result.Reconnects}"] };
        }

        return result;
    }

    /// <summary>Publishes probes on broker 1 until one comes out of the bridge on broker 2: the bridge is up.</summary>
    private static async Task WaitForBridgeAsync(MqttClient publisher, string topic, DeliveryTally witness, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(BridgeTimeout);
        var probe = DeliveryTally.Payload(-1, 4);
        try
        {
            while (witness.Probes == 0)
            {
                await publisher.PublishAsync(topic, probe, MqttQualityOfService.AtLeastOnce, cancellationToken: timeout.Token).ConfigureAwait(false);
                await Task.Delay(100, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The bridge from broker 1 to broker 2 did not carry a message within {BridgeTimeout}.");
        }
    }
}
