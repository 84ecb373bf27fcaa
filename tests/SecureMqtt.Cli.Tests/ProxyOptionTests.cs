using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>--proxy as mosquitto_pub spells it, through a real Dante to the fixture Mosquitto, with TLS inside the tunnel.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class ProxyOptionTests(MosquittoFixture broker)
{
    [Theory]
    [InlineData(Listener.Plain)]
    [InlineData(Listener.Tls)]
    public async Task Pub_with_a_socks5h_proxy_url_reaches_the_broker_through_dante(Listener listener)
    {
        await using var dante = await DanteServer.StartAsync(requireUserName: true);
        var topic = ListenerArguments.Topic("proxy");
        await using var observer = await MosquittoSubscription.StartAsync(ListenerArguments.For(broker, Listener.Plain), topic);
        var proxy = $"socks5h://{DanteServer.TestUserName}:{DanteServer.TestPassword}@127.0.0.1:{dante.Port}";

        var result = await Smqtt.PubAsync([.. ListenerArguments.For(broker, listener), "--proxy", proxy, "-t", topic, "-m", "via socks", "-q", "1"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["via socks"], await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task Pub_with_a_proxy_nobody_listens_on_says_the_proxy_is_unreachable()
    {
        var result = await Smqtt.PubAsync([.. ListenerArguments.For(broker, Listener.Plain), "--proxy", $"socks5://127.0.0.1:{FreePort.Next()}", "-t", "x", "-m", "y"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Could not connect to the proxy socks5://127.0.0.1:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_refuses_a_proxy_rather_than_walking_its_steps_around_it()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await SmqttCli.InvokeAsync(["doctor", "-h", "127.0.0.1", "--proxy", "socks5://127.0.0.1:1080"], output, error);

        Assert.Equal(1, code);
        Assert.Contains("--proxy is not supported by smqtt doctor", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proxy_url_of_an_unknown_scheme_is_a_usage_error_without_the_password()
    {
        var result = await Smqtt.PubAsync(["--proxy", "ftp://user:secret@127.0.0.1:21", "-t", "x", "-m", "y"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--proxy:", result.Error, StringComparison.Ordinal);
        Assert.Contains("unknown proxy scheme", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Error, StringComparison.Ordinal);
    }
}
