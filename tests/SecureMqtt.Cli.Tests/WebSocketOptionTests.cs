using System.Text;
using System.Text.Json;
using SecureMqtt.Cli.Common;
using SecureMqtt.Cli.Doctor;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>Tests in this collection share one aedes broker; xunit v2 needs the definition in the test assembly.</summary>
[CollectionDefinition(AedesFixture.CollectionName)]
public sealed class AedesCollection : ICollectionFixture<AedesFixture>;

/// <summary>
/// smqtt pub, sub and doctor with ws:// and wss:// -L URLs (the URL's path is the topic, --ws-path the WebSocket
/// path) against a real aedes served over WebSocket.
/// </summary>
[Collection(AedesFixture.CollectionName)]
public sealed class WebSocketOptionTests(AedesFixture fixture)
{
    [AedesTheory]
    [InlineData("ws")]
    [InlineData("wss")]
    public async Task Pub_and_sub_take_a_websocket_url_with_the_topic_as_its_path(string scheme)
    {
        var topic = $"cli/ws/{Guid.NewGuid():N}";
        var port = scheme == "wss" ? fixture.Broker.WebSocketTlsPort : fixture.Broker.WebSocketPort;
        string[] tls = scheme == "wss" ? ["--cafile", fixture.CaCertificatePath] : [];
        var sub = Smqtt.StartSub(["-L", $"{scheme}://127.0.0.1:{port}/{topic}", .. tls, "-C", "1", "-q", "1"]);
        await sub.WaitSubscribedAsync();

        var published = await Smqtt.PubAsync(["-L", $"{scheme}://127.0.0.1:{port}/{topic}", .. tls, "--ws-path", AedesBroker.Path, "-m", $"via {scheme}", "-q", "1"]);

        Assert.True(published.ExitCode == 0, published.ToString());
        var result = await sub.ResultAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"via {scheme}\n", result.Text);
    }

    [AedesFact]
    public async Task A_wrong_ws_path_is_reported_with_the_servers_status_line()
    {
        var result = await Smqtt.PubAsync(["-L", $"ws://127.0.0.1:{fixture.Broker.WebSocketPort}/t", "--ws-path", "/nope", "-m", "x"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("404 Not Found", result.Error, StringComparison.Ordinal);
        Assert.Contains("/nope", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ws_path_without_a_websocket_url_is_a_usage_error()
    {
        var result = await Smqtt.PubAsync(["-h", "127.0.0.1", "--ws-path", "/mqtt", "-t", "t", "-m", "x"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--ws-path and --ws-header apply to MQTT over WebSocket only", result.Error, StringComparison.Ordinal);
    }

    [AedesFact]
    public async Task Doctor_walks_tls_then_the_websocket_upgrade_then_mqtt()
    {
        var (code, json) = await DoctorJsonAsync("-L", $"wss://localhost:{fixture.Broker.WebSocketTlsPort}/t", "--cafile", fixture.CaCertificatePath);

        Assert.Equal(0, code);
        var steps = json.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["tcp", "tls-config", "client-hello", "server-chain", "chain-verification", "hostname", "negotiated", "client-certificate", "websocket-upgrade", "mqtt-connect"],
            steps.Select(s => s.GetProperty("id").GetString()));
        Assert.All(steps, s => Assert.Equal("ok", s.GetProperty("status").GetString()));
    }

    [AedesFact]
    public async Task Doctor_fails_a_wrong_path_at_the_websocket_upgrade_step()
    {
        var (code, json) = await DoctorJsonAsync("-L", $"ws://127.0.0.1:{fixture.Broker.WebSocketPort}/t", "--ws-path", "/nope");

        Assert.Equal(1, code);
        Assert.Equal("websocket-upgrade", json.GetProperty("failedStep").GetString());
        var failed = json.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("status").GetString() == "failed");
        Assert.Equal("UpgradeRefused", failed.GetProperty("kind").GetString());
        Assert.Contains("--ws-path", failed.GetProperty("fix").GetString(), StringComparison.Ordinal);
    }

    private static async Task<(int Code, JsonElement Json)> DoctorJsonAsync(params string[] args)
    {
        var output = new MemoryStream();
        var streams = new CliStreams(output, new StringWriter(), new MemoryStream(), inputIsTerminal: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await DoctorCommand.RunAsync([.. args, "--json", "--timeout", "5"], streams, timeout.Token);
        using var document = JsonDocument.Parse(Encoding.UTF8.GetString(output.ToArray()));
        return (code, document.RootElement.Clone());
    }
}
