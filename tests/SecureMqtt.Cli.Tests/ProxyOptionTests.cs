using System.Text;
using System.Text.Json;
using SecureMqtt.Cli.Common;
using SecureMqtt.Cli.Doctor;
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
    public async Task Doctor_walks_the_tcp_hop_to_the_proxy_then_the_tunnel_then_tls_and_mqtt()
    {
        await using var dante = await DanteServer.StartAsync(requireUserName: true);
        var proxy = $"socks5h://{DanteServer.TestUserName}:{DanteServer.TestPassword}@127.0.0.1:{dante.Port}";

        var (code, json) = await DoctorJsonAsync([.. ListenerArguments.For(broker, Listener.Tls), "--proxy", proxy]);

        Assert.Equal(0, code);
        var steps = json.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["tcp", "proxy-tunnel", "tls-config", "client-hello", "server-chain", "chain-verification", "hostname", "negotiated", "client-certificate", "mqtt-connect"],
            steps.Select(s => s.GetProperty("id").GetString()));
        Assert.All(steps.Where(s => s.GetProperty("id").GetString() != "client-certificate"), s => Assert.Equal("ok", s.GetProperty("status").GetString()));
        Assert.Contains($"127.0.0.1:{dante.Port}", string.Join(' ', steps[0].GetProperty("details").EnumerateArray().Select(d => d.GetString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_fails_the_tunnel_step_when_the_proxy_refuses_the_credentials()
    {
        await using var dante = await DanteServer.StartAsync(requireUserName: true);

        var (code, json) = await DoctorJsonAsync([.. ListenerArguments.For(broker, Listener.Plain), "--proxy", $"socks5h://{DanteServer.TestUserName}:wrong@127.0.0.1:{dante.Port}"]);

        Assert.Equal(1, code);
        Assert.Equal("proxy-tunnel", json.GetProperty("failedStep").GetString());
        var failed = json.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("status").GetString() == "failed");
        Assert.Equal("AuthenticationFailed", failed.GetProperty("kind").GetString());
        Assert.DoesNotContain("wrong", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_fails_the_tcp_step_at_the_proxy_when_nobody_listens_there()
    {
        var port = FreePort.Next();

        var (code, json) = await DoctorJsonAsync([.. ListenerArguments.For(broker, Listener.Plain), "--proxy", $"socks5://127.0.0.1:{port}"]);

        Assert.Equal(1, code);
        Assert.Equal("tcp", json.GetProperty("failedStep").GetString());
        var failed = json.GetProperty("steps").EnumerateArray().First();
        Assert.Contains($"127.0.0.1:{port}", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("--proxy", failed.GetProperty("fix").GetString(), StringComparison.Ordinal);
    }

    private static async Task<(int Code, JsonElement Json)> DoctorJsonAsync(string[] args)
    {
        var output = new MemoryStream();
        var streams = new CliStreams(output, new StringWriter(), new MemoryStream(), inputIsTerminal: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await DoctorCommand.RunAsync([.. args, "--json", "--timeout", "5"], streams, timeout.Token);
        using var document = JsonDocument.Parse(Encoding.UTF8.GetString(output.ToArray()));
        return (code, document.RootElement.Clone());
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
