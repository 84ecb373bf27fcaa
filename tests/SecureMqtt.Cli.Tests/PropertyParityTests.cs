using SecureMqtt.Cli.Common;
using SecureMqtt.Cli.Pub;
using SecureMqtt.Cli.Sub;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>-D publish topic-alias, disconnect reason-string and disconnect session-expiry-interval, next to mosquitto_pub.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class PropertyParityTests(MosquittoFixture broker)
{
    private string[] Connection => ListenerArguments.For(broker, Listener.Plain);

    [Fact]
    public async Task Topic_alias_and_disconnect_properties_are_accepted_as_mosquitto_pub_accepts_them()
    {
        var topic = ListenerArguments.Topic("alias");
        string[] args = [.. Connection, "-V", "mqttv5", "-t", topic, "-m", "m", "-x", "60",
            "-D", "publish", "topic-alias", "3", "-D", "disconnect", "reason-string", "done here", "-D", "disconnect", "session-expiry-interval", "30"];
        await using var observer = await MosquittoSubscription.StartAsync(Connection, topic, count: 2);

        var mosquitto = await ProcessRunner.RunAsync("mosquitto_pub", args);
        var smqtt = await Smqtt.PubAsync(args);
        var parsed = PubArguments.Parse(args, []);

        Assert.True(mosquitto.ExitCode == 0, mosquitto.ToString());
        Assert.True(smqtt.ExitCode == 0, smqtt.ToString());
        Assert.Equal(["m", "m"], await observer.WaitForMessagesAsync());
        Assert.Equal((ushort)3, parsed.TopicAlias);
        Assert.Equal("done here", parsed.Client.DisconnectReasonString);
        Assert.Equal(30u, parsed.Client.DisconnectSessionExpirySeconds);
    }

    [Theory]
    [InlineData("0", "[MQTT-3.3.2-8]")]
    [InlineData("65536", "expected 0..65535")]
    [InlineData("abc", "expected 0..65535")]
    public async Task An_invalid_topic_alias_fails_as_in_mosquitto_pub(string alias, string expected)
    {
        string[] args = [.. Connection, "-V", "mqttv5", "-t", "x", "-m", "m", "-D", "publish", "topic-alias", alias];

        var mosquitto = await ProcessRunner.RunAsync("mosquitto_pub", args);
        var smqtt = await Smqtt.PubAsync(args);

        Assert.Equal(1, mosquitto.ExitCode);
        Assert.Equal(1, smqtt.ExitCode);
        Assert.Contains(expected, smqtt.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Sub_takes_the_disconnect_properties_too()
    {
        var parsed = SubArguments.Parse(["-t", "x", "-V", "mqttv5", "-c", "-i", "keep", "-D", "disconnect", "reason-string", "bye", "-D", "disconnect", "session-expiry-interval", "0"], []);

        Assert.Equal("bye", parsed.Client.DisconnectReasonString);
        Assert.Equal(0u, parsed.Client.DisconnectSessionExpirySeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-x 0")]
    [InlineData("-D connect session-expiry-interval 0 -c -i keep")]
    public void A_disconnect_session_expiry_after_a_connect_expiry_of_0_is_refused(string connectOptions)
    {
        var connect = connectOptions.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // Stricter than mosquitto_pub, which sends it and leaves the broker to object: the client must not [MQTT-3.14.2-2].
        var error = Assert.Throws<UsageException>(() => PubArguments.Parse(
            ["-t", "x", "-m", "m", "-V", "mqttv5", .. connect, "-D", "disconnect", "session-expiry-interval", "30"], []));

        Assert.Contains("[MQTT-3.14.2-2]", error.Message, StringComparison.Ordinal);
    }
}
