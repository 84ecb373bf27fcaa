using SecureMqtt.Testing.Faults;
using Xunit.Abstractions;

namespace SecureMqtt.IntegrationTests.Reconnect;

/// <summary>Runs alone: the scenarios measure reconnects, and other tests' load would only blur them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultScenarioCollection
{
    public const string Name = "fault scenarios";
}

/// <summary>
/// Small seeded versions of the fault figures of issue 9, through the same scenario code that
/// <c>scripts/faults.sh</c> runs with 100,000 messages: each starts its own Mosquitto (two for failover).
/// </summary>
[Collection(FaultScenarioCollection.Name)]
public class FaultScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private async Task<FaultScenarioResult> RunAsync(string scenario, FaultScenarioOptions options)
    {
        var result = await FaultScenarios.RunAsync(scenario, options).WaitAsync(Limit);
        output.WriteLine(result.ToString());
        output.WriteLine($"faults: {result.FaultSummary}; problems: {string.Join("; ", result.Problems)}; lost e.g. {string.Join(", ", result.LostSample)}");
        Assert.Equal(options.Messages, result.Sent);
        Assert.Equal(0, result.NotAcknowledged);
        Assert.Equal(0, result.Lost);
        Assert.Empty(result.Problems);
        Assert.True(result.Reconnects >= 1, $"faults were injected, so a client must have reconnected: {result}");
        return result;
    }

    [Fact]
    public async Task QoS_1_through_chaos_on_both_clients_connections_loses_no_acknowledged_message()
    {
        var result = await RunAsync("qos1", new FaultScenarioOptions { Messages = 2_000, Faults = 6, Seed = 101 });
        Assert.True(result.FaultTotal >= 6, result.FaultSummary);
        Assert.Equal(2_000, result.Received);
    }

    [Fact]
    public async Task QoS_2_through_chaos_and_cuts_after_PUBREC_and_PUBREL_loses_nothing_and_delivers_nothing_twice()
    {
        var result = await RunAsync("qos2", new FaultScenarioOptions { Messages = 2_000, Faults = 8, Seed = 202 });
        Assert.True(result.FaultTotal >= 8, result.FaultSummary);
        Assert.True(result.Faults.GetValueOrDefault("cutafterpacket") >= 1, result.FaultSummary);
        Assert.Equal(0, result.Duplicated);
        Assert.Equal(2_000, result.Received);
    }

    [Fact]
    public async Task QoS_2_through_chaos_with_resends_after_release_suppressed_loses_nothing_and_delivers_nothing_twice()
    {
        // More faults and another seed than above: the guard must not cost a message where Mosquitto resends.
        var result = await RunAsync("qos2-suppress", new FaultScenarioOptions { Messages = 2_000, Faults = 12, Seed = 203 });
        Assert.Equal("qos2-suppress", result.Scenario);
        Assert.True(result.FaultTotal >= 12, result.FaultSummary);
        Assert.Equal(0, result.Duplicated);
        Assert.Equal(2_000, result.Received);
    }

    [Fact]
    public async Task QoS_1_across_two_SIGTERM_restarts_of_a_persistent_Mosquitto_loses_no_acknowledged_message()
    {
        var result = await RunAsync("restarts", new FaultScenarioOptions { Messages = 2_000, Faults = 2, Seed = 303 });
        Assert.Equal(2, result.Faults["sigterm-restart"]);
        Assert.Equal(2_000, result.Received);
    }

    [Fact]
    public async Task Failover_after_SIGKILL_moves_both_clients_to_the_bridged_broker_and_every_publish_is_acknowledged()
    {
        var result = await RunAsync("failover", new FaultScenarioOptions { Messages = 2_000, Seed = 404 });
        Assert.Equal(1, result.Faults["sigkill"]);
        Assert.True(result.Reconnects >= 2, result.ToString());

        // What broker 1 acknowledged and never bridged is its loss, counted apart; everything else arrived.
        Assert.True(result.Received >= 2_000 - result.BrokerLoss, result.ToString());
    }
}
