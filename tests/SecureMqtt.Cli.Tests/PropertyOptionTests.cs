using SecureMqtt.Cli.Common;
using SecureMqtt.Cli.Sub;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>-D for CONNECT, SUBSCRIBE, UNSUBSCRIBE and DISCONNECT.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class PropertyOptionTests(MosquittoFixture broker)
{
    [Fact]
    public async Task Connect_properties_reach_the_client_options()
    {
        var arguments = SubArguments.Parse(["-t", "x", "-V", "mqttv5",
            "-D", "connect", "user-property", "site", "north", "-D", "CONNECT", "user-property", "site", "south",
            "-D", "connect", "request-problem-information", "0", "-D", "connect", "request-response-information", "1"]);
        await using var connector = new ClientConnector(arguments.Client, new CliStreams(new MemoryStream(), new StringWriter(), new MemoryStream(), inputIsTerminal: false));

        var options = await connector.BuildOptionsAsync(CancellationToken.None);

        Assert.Equal([new MqttUserProperty("site", "north"), new MqttUserProperty("site", "south")], options.ConnectUserProperties);
        Assert.False(options.RequestProblemInformation);
        Assert.True(options.RequestResponseInformation);
    }

    [Fact]
    public async Task Sub_sends_user_properties_on_every_packet_that_takes_them_and_mosquitto_accepts_them()
    {
        var topic = ListenerArguments.Topic("props");
        var sub = Smqtt.StartSub([.. ListenerArguments.For(broker, Listener.Plain), "-V", "mqttv5", "-t", topic, "-U", topic + "/old", "-E",
            "-D", "connect", "user-property", "k", "v", "-D", "subscribe", "user-property", "k", "v", "-D", "subscribe", "subscription-identifier", "7",
            "-D", "unsubscribe", "user-property", "k", "v", "-D", "disconnect", "user-property", "k", "v"]);

        var result = await sub.ResultAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [InlineData("disconnect", "content-type")]
    [InlineData("unsubscribe", "content-type")]
    public void Properties_the_client_has_no_place_for_are_refused_by_name(string command, string name)
    {
        var error = Assert.Throws<UsageException>(() => SubArguments.Parse(["-t", "x", "-V", "mqttv5", "-D", command, name, "v"]));

        Assert.Contains($"-D {command} {name} is not supported", error.Message, StringComparison.Ordinal);
    }
}
