using System.Text.RegularExpressions;
using SecureMqtt.Cli.Common;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>-M, -S and the -D properties the client now sends, next to mosquitto_pub wherever it can be compared.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed partial class InflightSrvDisconnectTests(MosquittoFixture broker)
{
    private string[] Connection => ListenerArguments.For(broker, Listener.Plain);

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("many")]
    public async Task M_below_one_is_refused_as_by_mosquitto_pub(string value)
    {
        string[] args = [.. Connection, "-t", "t", "-m", "m", "-M", value];

        var theirs = await ProcessRunner.RunAsync("mosquitto_pub", args);
        var ours = await Smqtt.PubAsync(args);

        Assert.Equal(1, theirs.ExitCode);
        Assert.Equal(1, ours.ExitCode);
        Assert.Contains("Maximum inflight messages must be greater than 0.", theirs.StandardError, StringComparison.Ordinal);
        Assert.Contains("Maximum inflight messages must be greater than 0.", ours.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--repeat", 2)]
    [InlineData("-l", 3)]
    public async Task M_keeps_at_most_that_many_QoS_1_publishes_outstanding_and_all_arrive_in_order(string mode, int maxInflight)
    {
        var topic = ListenerArguments.Topic("inflight");
        const int Count = 40;
        await using var observer = await MosquittoSubscription.StartAsync(Connection, topic, count: Count);
        var lines = string.Concat(Enumerable.Range(0, Count).Select(i => $"m{i}\n"));
        string[] payload = mode == "-l" ? ["-l"] : ["-m", "same", "--repeat", $"{Count}"];

        var ours = await Smqtt.PubAsync([.. Connection, "-V", "mqttv5", "-t", topic, "-q", "1", "-d", "-M", $"{maxInflight}", .. payload],
            stdin: System.Text.Encoding.UTF8.GetBytes(lines));

        Assert.True(ours.ExitCode == 0, ours.ToString());
        var outstanding = 0;
        var most = 0;
        foreach (var line in ours.Text.Split('\n'))
        {
            if (line.Contains("sending PUBLISH", StringComparison.Ordinal))
            {
                most = Math.Max(most, ++outstanding);
            }
            else if (line.Contains("received PUBACK", StringComparison.Ordinal))
            {
                outstanding--;
            }
        }

        Assert.InRange(most, 1, maxInflight);
        Assert.Equal(Count, PublishLine().Count(ours.Text));
        var expected = mode == "-l" ? Enumerable.Range(0, Count).Select(i => $"m{i}") : Enumerable.Repeat("same", Count);
        Assert.Equal(expected, await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task S_finds_the_broker_through_the_SRV_records_and_fails_over_by_priority()
    {
        var topic = ListenerArguments.Topic("srv");
        await using var observer = await MosquittoSubscription.StartAsync(Connection, topic, count: 1);
        var dead = FreePort.Next();

        // The preferred record points at a port nobody listens on; the client goes on to the next priority.
        await using var dns = await DnsmasqServer.StartAsync(("_mqtt._tcp.broker.test", "localhost", dead, 0, 10), ("_mqtt._tcp.broker.test", "localhost", broker.PlainPort, 5, 10));
        var ours = await WithDnsServerAsync(dns, () => Smqtt.PubAsync(["-S", "-h", "broker.test", "-t", topic, "-m", "via srv", "-d"]));

        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Contains($"SRV _mqtt._tcp.broker.test: localhost:{dead}, localhost:{broker.PlainPort}", ours.Text, StringComparison.Ordinal);
        Assert.Equal(["via srv"], await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task S_with_TLS_looks_up_secure_mqtt_and_verifies_the_target()
    {
        var topic = ListenerArguments.Topic("srv-tls");
        await using var observer = await MosquittoSubscription.StartAsync(Connection, topic, count: 1);
        await using var dns = await DnsmasqServer.StartAsync(("_secure-mqtt._tcp.broker.test", "localhost", broker.TlsPort, 0, 0));

        var ours = await WithDnsServerAsync(dns, () => Smqtt.PubAsync(["-S", "-h", "broker.test", "--cafile", broker.CaCertificatePath, "-t", topic, "-m", "tls via srv"]));

        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Equal(["tls via srv"], await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task S_without_a_record_fails_with_the_name_looked_up_and_Debians_mosquitto_pub_has_no_S_at_all()
    {
        await using var dns = await DnsmasqServer.StartAsync(("_mqtt._tcp.other.test", "localhost", broker.PlainPort, 0, 0));

        var ours = await WithDnsServerAsync(dns, () => Smqtt.PubAsync(["-S", "-h", "broker.test", "-t", "t", "-m", "m"]));
        var theirs = await ProcessRunner.RunAsync("mosquitto_pub", ["-S", "-h", "broker.test", "-t", "t", "-m", "m"]);

        Assert.Equal(1, ours.ExitCode);
        Assert.Contains("no SRV record for _mqtt._tcp.broker.test", ours.Error, StringComparison.Ordinal);

        // Debian builds mosquitto-clients 2.0.11 without SRV support, which is why -S is not compared with it.
        Assert.Contains("Unknown option '-S'", theirs.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mosquitto_pub", true)]
    [InlineData("mosquitto_pub", false)]
    [InlineData("smqtt", true)]
    [InlineData("smqtt", false)]
    public async Task D_disconnect_session_expiry_interval_0_ends_the_session_the_CONNECT_kept(string tool, bool endSession)
    {
        var id = "expiry-" + Guid.NewGuid().ToString("N")[..10];
        string[] args = [.. Connection, "-V", "mqttv5", "-i", id, "-x", "60", "-t", ListenerArguments.Topic("expiry"), "-m", "m",
            .. endSession ? new[] { "-D", "disconnect", "session-expiry-interval", "0", "-D", "disconnect", "reason-string", "bye" } : []];

        var result = tool == "smqtt" ? (await Smqtt.PubAsync(args)).ExitCode : (await ProcessRunner.RunAsync("mosquitto_pub", args)).ExitCode;
        await using var again = new MqttClient(new MqttClientOptions
        {
            Host = broker.Host, Port = broker.PlainPort, ClientId = id, CleanStart = false, SessionExpiry = TimeSpan.Zero, Reconnect = MqttReconnectOptions.Disabled,
        });
        var resumed = await again.ConnectAsync();

        Assert.Equal(0, result);
        Assert.Equal(!endSession, resumed.SessionPresent);
    }

    [Theory]
    [InlineData("mosquitto_pub")]
    [InlineData("smqtt")]
    public async Task D_publish_topic_alias_publishes_that_Mosquitto_delivers_under_the_full_topic(string tool)
    {
        var topic = ListenerArguments.Topic("alias");
        await using var observer = await MosquittoSubscription.StartAsync(Connection, topic, count: 3);
        string[] args = [.. Connection, "-V", "mqttv5", "-t", topic, "-m", "a", "-q", "1", "--repeat", "3", "-D", "publish", "topic-alias", "1"];

        var code = tool == "smqtt" ? (await Smqtt.PubAsync(args)).ExitCode : (await ProcessRunner.RunAsync("mosquitto_pub", args)).ExitCode;

        Assert.Equal(0, code);
        Assert.Equal(["a", "a", "a"], await observer.WaitForMessagesAsync());
    }

    private static async Task<CliResult> WithDnsServerAsync(DnsmasqServer dns, Func<Task<CliResult>> run)
    {
        DefaultsFile.EnvironmentOverride.Value = name => name == "SMQTT_DNS_SERVER" ? dns.Address : Environment.GetEnvironmentVariable(name);
        try
        {
            return await run();
        }
        finally
        {
            DefaultsFile.EnvironmentOverride.Value = null;
        }
    }

    [GeneratedRegex("sending PUBLISH")]
    private static partial Regex PublishLine();
}
