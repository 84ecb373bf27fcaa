using System.Text.RegularExpressions;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>smqtt sub and mosquitto_sub, given the same options and the same messages, print the same and exit the same.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed partial class SubBehaviourTests(MosquittoFixture broker)
{
    private string[] Connection => ListenerArguments.For(broker, Listener.Plain);

    [Fact]
    public async Task Format_parameters_print_as_mosquitto_sub_prints_them()
    {
        // Not compared: %X (mosquitto 2.0.11 prints it in lower case, against its manual) and the clock fields,
        // which differ between two processes. %m is the broker's packet id per subscriber, so both see the same.
        var (smqtt, mosquitto) = await CompareAsync(["-q", "1", "-C", "4", "-F", @"%t|%p|%q|%r|%l|%x|%%|%5t|%-4l|%02q|%.3t\t\\|@@|\e|%m"], async topic =>
        {
            await MosquittoPubAsync("-t", topic, "-m", "hello", "-q", "1");
            await MosquittoPubAsync("-t", topic, "-n");
            await MosquittoPubAsync("-t", topic, "-m", "tab\there \"quoted\" back\\slash");
            await MosquittoPubAsync("-t", topic + "/x", "-m", "last", "-q", "0");
        }, retained: "kept");

        Assert.Equal(mosquitto, smqtt);
        Assert.StartsWith("cli-tests", smqtt.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_format_matches_mosquitto_sub_apart_from_the_timestamp()
    {
        var (smqtt, mosquitto) = await CompareAsync(["-V", "mqttv5", "-q", "1", "-C", "5", "-F", "%j"], async topic =>
        {
            await MosquittoPubAsync("-t", topic, "-m", "a\"b\\c\td\u0001e");
            await MosquittoPubAsync("-t", topic, "-m", "acknowledged", "-q", "1");
            await MosquittoPubAsync("-t", topic, "-n");
            await MosquittoPubAsync("-V", "mqttv5", "-t", topic, "-m", "{\"t\":1}", "-D", "publish", "content-type", "application/json", "-D", "publish", "user-property", "k", "v");
            await MosquittoPubAsync("-t", topic, "-m", "plain");
        });

        Assert.Equal(Normalize(mosquitto.Output), Normalize(smqtt.Output));
        Assert.Equal(mosquitto.ExitCode, smqtt.ExitCode);
        Assert.Contains("\"payloadlen\":12,\"mid\":", smqtt.Output, StringComparison.Ordinal);
        Assert.Contains("\"properties\":{\"content-type\":\"application/json\",\"user-properties\":{\"k\":\"v\"}}", smqtt.Output, StringComparison.Ordinal);

        static string Normalize(string json) => TimestampPattern().Replace(json, "\"tst\":\"T\"");
    }

    [Fact]
    public async Task Verbose_output_prints_topic_and_payload_and_null_for_empty_messages()
    {
        var (smqtt, mosquitto) = await CompareAsync(["-v", "-C", "3"], async topic =>
        {
            await MosquittoPubAsync("-t", topic, "-m", "one");
            await MosquittoPubAsync("-t", topic, "-n");
            await MosquittoPubAsync("-t", topic, "-m", "two words");
        });

        Assert.Equal(mosquitto, smqtt);
        Assert.Contains(" (null)\n", smqtt.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_stops_after_that_many_messages()
    {
        var (smqtt, mosquitto) = await CompareAsync(["-C", "2"], async topic =>
        {
            await MosquittoPubAsync("-t", topic, "-m", "1");
            await MosquittoPubAsync("-t", topic, "-m", "2");
            await MosquittoPubAsync("-t", topic, "-m", "3");
        });

        Assert.Equal(mosquitto, smqtt);
        Assert.Equal("1\n2\n", smqtt.Output);
    }

    [Fact]
    public async Task R_skips_retained_messages()
    {
        var (smqtt, mosquitto) = await CompareAsync(["-R", "-C", "1"], topic => MosquittoPubAsync("-t", topic, "-m", "fresh"), retained: "stale");

        Assert.Equal(mosquitto, smqtt);
        Assert.Equal("fresh\n", smqtt.Output);
    }

    [Fact]
    public async Task Retained_only_prints_retained_messages_and_exits_at_the_first_fresh_one()
    {
        var (smqtt, mosquitto) = await CompareAsync(["--retained-only"], topic => MosquittoPubAsync("-t", topic, "-m", "fresh"), retained: "stale");

        Assert.Equal(mosquitto, smqtt);
        Assert.Equal("stale\n", smqtt.Output);
        Assert.Equal(0, smqtt.ExitCode);
    }

    [Fact]
    public async Task Filter_out_hides_matching_topics()
    {
        var (smqtt, mosquitto) = await CompareAsync(["-v", "-C", "1"], async topic =>
        {
            await MosquittoPubAsync("-t", topic + "/hidden", "-m", "no");
            await MosquittoPubAsync("-t", topic + "/shown", "-m", "yes");
        }, filterOutSuffix: "/hidden");

        Assert.Equal(mosquitto, smqtt);
        Assert.EndsWith("/shown yes\n", smqtt.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task W_times_out_with_exit_status_27_like_mosquitto_sub()
    {
        var (smqtt, mosquitto) = await CompareAsync(["-W", "1"], _ => Task.CompletedTask);

        Assert.Equal(27, mosquitto.ExitCode);
        Assert.Equal(mosquitto, smqtt);
    }

    /// <summary>
    /// Subscribes both tools to a fresh topic and its subtopics (topic/# matches both) with <paramref name="options"/>, runs
    /// <paramref name="publish"/> once both have their SUBACK, and returns what each printed and its exit code.
    /// </summary>
    private async Task<(Outcome Smqtt, Outcome Mosquitto)> CompareAsync(string[] options, Func<string, Task> publish, string? retained = null, string? filterOutSuffix = null)
    {
        var topic = ListenerArguments.Topic("compare");
        if (retained is not null)
        {
            await MosquittoPubAsync("-t", topic, "-m", retained, "-r", "-q", "1");
        }

        string[] args = [.. Connection, "-t", topic + "/#", .. options];
        if (filterOutSuffix is not null)
        {
            args = [.. args, "-T", topic + filterOutSuffix];
        }

        var smqtt = Smqtt.StartSub(args);
        await smqtt.WaitSubscribedAsync();
        await using var mosquitto = await MosquittoSubscription.StartWithArgumentsAsync(args);
        await publish(topic);

        var mine = await smqtt.ResultAsync();
        var theirs = await mosquitto.WaitForExitAsync(Smqtt.Timeout);
        if (retained is not null)
        {
            await MosquittoPubAsync("-t", topic, "-n", "-r");
        }

        return (new Outcome(mine.ExitCode, mine.Text), new Outcome(theirs.ExitCode, theirs.StandardOutput));
    }

    private async Task MosquittoPubAsync(params string[] args)
    {
        var result = await ProcessRunner.RunAsync("mosquitto_pub", [.. Connection, .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [GeneratedRegex("\"tst\":\"[^\"]*\"")]
    private static partial Regex TimestampPattern();

    private sealed record Outcome(int ExitCode, string Output);
}
