using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>smqtt rr next to mosquitto_rr 2.0.11, both against the fixture's Mosquitto and one responder.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class RrTests(MosquittoFixture broker) : IAsyncLifetime
{
    private readonly List<MqttMessage> _requests = [];
    private MqttClient? _responder;
    private string _requestTopic = ListenerArguments.Topic("rr-request");

    private string[] Connection => ListenerArguments.For(broker, Listener.Plain);

    public async Task InitializeAsync()
    {
        // A library client as the service: it answers every request on its Response Topic with its Correlation Data.
        _responder = new MqttClient(new MqttClientOptions { Host = broker.Host, Port = broker.PlainPort, Reconnect = MqttReconnectOptions.Disabled });
        await _responder.ConnectAsync();
        await _responder.SubscribeAsync(_requestTopic, MqttQualityOfService.AtLeastOnce, (request, handlerToken) =>
        {
            lock (_requests)
            {
                _requests.Add(request);
            }

            var answer = Encoding.UTF8.GetBytes("re:" + Encoding.UTF8.GetString(request.Payload.Span));
            if (request.ResponseTopic is not null)
            {
                _ = _responder.RespondAsync(request, answer, CancellationToken.None).AsTask();
            }

            return ValueTask.CompletedTask;
        });
    }

    public async Task DisposeAsync()
    {
        if (_responder is not null)
        {
            await _responder.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("-v")]
    [InlineData("-q 1 -N")]
    [InlineData("-F %t|%p|%q")]
    public async Task Prints_the_response_as_mosquitto_rr_does(string options)
    {
        var extra = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var responseTopic = ListenerArguments.Topic("rr-response");
        string[] args = [.. Connection, "-t", _requestTopic, "-e", responseTopic, "-m", "hello", "-W", "10", .. extra];

        var theirs = await ProcessRunner.RunAsync("mosquitto_rr", args);
        var ours = await Smqtt.RrAsync(args);

        Assert.True(theirs.ExitCode == 0, theirs.ToString());
        Assert.True(ours.ExitCode == 0, ours.ToString());
        // mosquitto_rr 2.0.11 accepts -N but prints the end of line anyway; smqtt rr does what its manual says.
        Assert.Equal(extra.Contains("-N") ? theirs.StandardOutput.TrimEnd('\n') : theirs.StandardOutput, ours.Text);
        Assert.Contains("re:hello", ours.Text, StringComparison.Ordinal);
        lock (_requests)
        {
            Assert.Equal(2, _requests.Count);
            Assert.All(_requests, r => Assert.Equal(responseTopic, r.ResponseTopic));
        }
    }

    [Fact]
    public async Task Without_a_response_both_time_out_with_status_27()
    {
        string[] args = [.. Connection, "-t", ListenerArguments.Topic("rr-nobody"), "-e", ListenerArguments.Topic("rr-silence"), "-n", "-W", "1"];

        var theirs = await ProcessRunner.RunAsync("mosquitto_rr", args);
        var ours = await Smqtt.RrAsync(args);

        Assert.Equal(27, theirs.ExitCode);
        Assert.Equal(27, ours.ExitCode);
        Assert.Contains("Timed out", theirs.StandardError, StringComparison.Ordinal);
        Assert.Equal("Timed out", ours.Error.Trim());
    }

    [Theory]
    [InlineData("-e")]
    [InlineData("-t")]
    [InlineData("-m")]
    public async Task A_missing_topic_response_topic_or_message_is_refused_as_by_mosquitto_rr(string missing)
    {
        var all = new Dictionary<string, string> { ["-t"] = "req", ["-e"] = "resp", ["-m"] = "x" };
        string[] args = [.. Connection, .. all.Where(kv => kv.Key != missing).SelectMany(kv => new[] { kv.Key, kv.Value })];

        var theirs = await ProcessRunner.RunAsync("mosquitto_rr", args);
        var ours = await Smqtt.RrAsync(args);

        Assert.Equal(1, theirs.ExitCode);
        Assert.Equal(1, ours.ExitCode);
        Assert.Contains("All of topic, message, and response topic must be supplied.", theirs.StandardError, StringComparison.Ordinal);
        Assert.Contains("All of topic, message, and response topic must be supplied.", ours.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_payload_can_come_from_stdin_and_correlation_data_from_D()
    {
        var responseTopic = ListenerArguments.Topic("rr-stdin");

        var ours = await Smqtt.RrAsync([.. Connection, "-t", _requestTopic, "-e", responseTopic, "-s", "-W", "10", "-D", "publish", "correlation-data", "abc"],
            stdin: "from stdin"u8.ToArray());

        Assert.True(ours.ExitCode == 0, ours.ToString());
        Assert.Equal("re:from stdin\n", ours.Text);
        lock (_requests)
        {
            Assert.Equal("abc", Encoding.UTF8.GetString(Assert.Single(_requests).CorrelationData!.Value.Span));
        }
    }
}
