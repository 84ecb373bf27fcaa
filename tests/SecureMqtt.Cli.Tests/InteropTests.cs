using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>smqtt and mosquitto's own tools exchange byte-identical payloads over every listener, in both directions.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class InteropTests(MosquittoFixture broker) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("smqtt-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(Listener.Plain)]
    [InlineData(Listener.Tls)]
    [InlineData(Listener.MutualTls)]
    public async Task Smqtt_pub_file_of_random_bytes_reaches_mosquitto_sub_unchanged(Listener listener)
    {
        var topic = ListenerArguments.Topic("pub-to-mosquitto");
        var payload = RandomFile(out var path, 4096);
        // -F %x prints the payload as hex, so the check sees every byte, including newlines and zeros.
        await using var observer = await MosquittoSubscription.StartAsync([.. ListenerArguments.For(broker, listener), "-F", "%x"], topic);

        var result = await Smqtt.PubAsync([.. ListenerArguments.For(broker, listener), "-t", topic, "-f", path, "-q", "1"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([Convert.ToHexStringLower(payload)], await observer.WaitForMessagesAsync());
    }

    [Theory]
    [InlineData(Listener.Plain)]
    [InlineData(Listener.Tls)]
    [InlineData(Listener.MutualTls)]
    public async Task Mosquitto_pub_file_of_random_bytes_reaches_smqtt_sub_unchanged(Listener listener)
    {
        var topic = ListenerArguments.Topic("mosquitto-to-sub");
        var payload = RandomFile(out var path, 4096);
        var sub = Smqtt.StartSub([.. ListenerArguments.For(broker, listener), "-t", topic, "-q", "1", "-C", "1", "-N"]);
        await sub.WaitSubscribedAsync();

        var pub = await ProcessRunner.RunAsync("mosquitto_pub", [.. ListenerArguments.For(broker, listener), "-t", topic, "-f", path, "-q", "1"]);

        Assert.True(pub.ExitCode == 0, pub.ToString());
        var result = await sub.ResultAsync();
        Assert.True(result.ExitCode == 0, result.ToString());
        // -N: the output is exactly the payload bytes.
        Assert.Equal(payload, result.Output);
    }

    [Theory]
    [InlineData(Listener.Plain, "mqttv311")]
    [InlineData(Listener.MutualTls, "mqttv5")]
    public async Task Smqtt_pub_to_smqtt_sub_keeps_binary_payloads(Listener listener, string version)
    {
        var topic = ListenerArguments.Topic("smqtt-to-smqtt");
        var payload = RandomFile(out var path, 70_000);
        var sub = Smqtt.StartSub([.. ListenerArguments.For(broker, listener), "-V", version, "-t", topic, "-q", "2", "-C", "1", "-N"]);
        await sub.WaitSubscribedAsync();

        var pub = await Smqtt.PubAsync([.. ListenerArguments.For(broker, listener), "-V", version, "-t", topic, "-f", path, "-q", "2"]);

        Assert.True(pub.ExitCode == 0, pub.ToString());
        Assert.Equal(payload, (await sub.ResultAsync()).Output);
    }

    [Fact]
    public async Task Pub_l_sends_ten_thousand_lines_at_qos_1_complete_and_in_order()
    {
        // Mosquitto drops QoS 1 messages beyond max_queued_messages (default 1000) queued for a slow subscriber, so
        // this test has its own broker that queues them all: any loss or reordering is then the publisher's.
        var port = FreePort.Next();
        await using var ownBroker = await MosquittoBroker.StartAsync(
            $"max_queued_messages 0\nmax_inflight_messages 0\nlistener {port} 127.0.0.1\nallow_anonymous true\n" +
            $"cafile {broker.CaCertificatePath}\ncertfile {broker.ServerCertificatePath}\nkeyfile {broker.ServerKeyPath}\n",
            [port]);
        string[] connection = ["-h", "127.0.0.1", "-p", $"{port}", "--cafile", broker.CaCertificatePath];
        var topic = ListenerArguments.Topic("lines");
        var lines = Enumerable.Range(0, 10_000).Select(i => $"line {i:D5}").ToArray();
        await using var observer = await MosquittoSubscription.StartAsync(connection, topic, count: lines.Length, timeout: TimeSpan.FromSeconds(60));

        var result = await Smqtt.PubAsync([.. connection, "-t", topic, "-l", "-q", "1"], System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(lines, await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task Pub_l_sends_blank_lines_as_empty_messages_and_keeps_a_last_line_without_newline()
    {
        var topic = ListenerArguments.Topic("lines-edge");
        var sub = Smqtt.StartSub([.. ListenerArguments.For(broker, Listener.Plain), "-t", topic, "-C", "3", "-F", "[%p]"]);
        await sub.WaitSubscribedAsync();

        var result = await Smqtt.PubAsync([.. ListenerArguments.For(broker, Listener.Plain), "-t", topic, "-l"], "a\r\n\nlast"u8.ToArray());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("[a\r]\n[]\n[last]\n", (await sub.ResultAsync()).Text);
    }

    private byte[] RandomFile(out string path, int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        bytes[0] = (byte)'\n';
        bytes[1] = 0;
        path = Path.Combine(_directory, $"{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, bytes);
        return bytes;
    }
}
