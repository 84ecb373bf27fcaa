using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>sub options that end the run without messages, and the remove-retained clean-up.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class SubOptionTests(MosquittoFixture broker)
{
    private string[] Connection => ListenerArguments.For(broker, Listener.Plain);

    [Fact]
    public async Task E_exits_once_the_subscription_is_acknowledged()
    {
        var sub = Smqtt.StartSub([.. Connection, "-t", ListenerArguments.Topic("e"), "-E", "-d"]);

        var result = await sub.ResultAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("received SUBACK (0)", result.Text, StringComparison.Ordinal);
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
