using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>sub options that end the run without messages, and the remove-retained clean-up.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class SubOptionTests(MosquittoFixture broker)
{
    private string[] Connection => ListenerArguments.For(broker, Listener.Plain);

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task Messages_queued_for_a_persistent_session_are_printed_when_the_subscriber_comes_back(string version)
    {
        // The broker sends what it queued right after CONNACK: the subscriber must already be listening then.
        var topic = ListenerArguments.Topic("queued");
        string[] session = [.. Connection, "-V", version, "-c", "-i", $"queued-{version}", "-q", "1", "-t", topic];
        var first = await Smqtt.StartSub([.. session, "-E"]).ResultAsync();
        Assert.True(first.ExitCode == 0, first.ToString());
        foreach (var payload in new[] { "while-away-1", "while-away-2" })
        {
            var published = await ProcessRunner.RunAsync("mosquitto_pub", [.. Connection, "-V", version, "-q", "1", "-t", topic, "-m", payload]);
            Assert.True(published.ExitCode == 0, published.ToString());
        }

        var back = await Smqtt.StartSub([.. session, "-C", "2"]).ResultAsync();

        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Equal(["while-away-1", "while-away-2"], back.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task A_c_C_1_loop_takes_each_queued_message_once_as_mosquitto_sub_does(string version)
    {
        // All four reach the subscriber right after CONNACK; the runs after the first find the rest only if the first
        // did not acknowledge them (-W ends a run that waits for nothing).
        var topic = ListenerArguments.Topic("one-at-a-time");
        string[] session = [.. Connection, "-V", version, "-c", "-i", "one-" + Guid.NewGuid().ToString("N")[..10], "-q", "1", "-t", topic];
        var subscribed = await Smqtt.StartSub([.. session, "-E"]).ResultAsync();
        Assert.True(subscribed.ExitCode == 0, subscribed.ToString());
        string[] published = ["m1", "m2", "m3", "m4"];
        foreach (var payload in published)
        {
            var result = await ProcessRunner.RunAsync("mosquitto_pub", [.. Connection, "-V", version, "-q", "1", "-t", topic, "-m", payload]);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        var taken = new List<string>();
        foreach (var _ in published)
        {
            var run = await Smqtt.StartSub([.. session, "-C", "1", "-W", "10"]).ResultAsync();
            Assert.True(run.ExitCode == 0, run.ToString());
            taken.Add(run.Text.TrimEnd('\n'));
        }

        Assert.Equal(published, taken);
    }

    [Fact]
    public async Task Session_expiry_is_ignored_under_MQTT_311_as_mosquitto_sub_ignores_it()
    {
        // 3.1.1 has no session expiry to send; mosquitto_sub connects all the same, and so must we.
        var topic = ListenerArguments.Topic("x311");
        var mosquitto = await ProcessRunner.RunAsync("mosquitto_sub", [.. Connection, "-t", topic, "-E", "-c", "-x", "30", "-i", "x311-mosquitto"]);
        var smqtt = await Smqtt.StartSub([.. Connection, "-t", topic, "-E", "-c", "-x", "30", "-i", "x311-smqtt"]).ResultAsync();

        Assert.True(mosquitto.ExitCode == 0, mosquitto.ToString());
        Assert.True(smqtt.ExitCode == 0, smqtt.ToString());
        Assert.Equal(string.Empty, smqtt.Error);
    }

    [Fact]
    public async Task E_exits_once_the_subscription_is_acknowledged()
    {
        var topic = ListenerArguments.Topic("e");
        var sub = Smqtt.StartSub([.. Connection, "-t", topic, "-E", "-d", "-i", "e-client"]);

        var result = await sub.ResultAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
        [
            "Client e-client sending CONNECT",
            "Client e-client received CONNACK (0)",
            $"Client e-client sending SUBSCRIBE (Mid: 1, Topic: {topic}, QoS: 0, Options: 0x00)",
            "Client e-client received SUBACK",
            "Subscribed (mid: 1): 0",
            "Client e-client sending DISCONNECT",
        ], result.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Debug_shows_keep_alive_and_the_acknowledgement_of_a_received_qos_1_message()
    {
        var topic = ListenerArguments.Topic("ping");
        var sub = Smqtt.StartSub([.. Connection, "-t", topic, "-q", "1", "-C", "1", "-d", "-k", "5", "-i", "ping-client"]);
        await sub.WaitSubscribedAsync();
        await sub.WaitForOutputAsync("Client ping-client received PINGRESP");
        var put = await ProcessRunner.RunAsync("mosquitto_pub", [.. Connection, "-t", topic, "-m", "hi", "-q", "1"]);
        Assert.Equal(0, put.ExitCode);

        var result = await sub.ResultAsync();

        Assert.Equal(0, result.ExitCode);
        var lines = result.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("Client ping-client sending PINGREQ", lines);
        Assert.Contains($"Client ping-client received PUBLISH (d0, q1, r0, m1, '{topic}', ... (2 bytes))", lines);
        Assert.Contains("Client ping-client sending PUBACK (m1, rc0)", lines);
    }

    [Fact]
    public async Task Remove_retained_clears_the_retained_messages_it_receives()
    {
        var topic = ListenerArguments.Topic("remove");
        var put = await ProcessRunner.RunAsync("mosquitto_pub", [.. Connection, "-t", topic, "-m", "old", "-r"]);
        Assert.Equal(0, put.ExitCode);

        var sub = Smqtt.StartSub([.. Connection, "-t", topic, "--remove-retained", "--retained-only", "-W", "5"]);
        await sub.WaitSubscribedAsync();
        // The first fresh message ends --retained-only; by then the clearing publish was acknowledged.
        Assert.Equal(0, (await ProcessRunner.RunAsync("mosquitto_pub", [.. Connection, "-t", topic, "-m", "fresh"])).ExitCode);
        var result = await sub.ResultAsync();

        Assert.Equal("old\n", result.Text);
        // Nothing retained is left: a new subscriber times out without output (status 27).
        var check = await ProcessRunner.RunAsync("mosquitto_sub", [.. Connection, "-t", topic, "--retained-only", "-W", "1"]);
        Assert.Equal(27, check.ExitCode);
        Assert.Empty(check.StandardOutput);
    }

    [Fact]
    public async Task Help_prints_the_options_and_exits_zero()
    {
        var output = new StringWriter();

        var code = await SmqttCli.InvokeAsync(["sub", "--help"], output, new StringWriter());

        Assert.Equal(0, code);
        Assert.Contains("--retained-only", output.ToString(), StringComparison.Ordinal);
        Assert.Contains(" -h : mqtt host", output.ToString(), StringComparison.Ordinal);
    }
}
