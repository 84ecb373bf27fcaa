using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>pub options beyond plain interop: properties, repeats, debug lines, encrypted keys.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class PubOptionTests(MosquittoFixture broker)
{
    [Fact]
    public async Task Publish_properties_given_with_D_reach_mosquitto_sub()
    {
        var topic = ListenerArguments.Topic("properties");
        await using var observer = await MosquittoSubscription.StartAsync([.. ListenerArguments.For(broker, Listener.Plain), "-V", "mqttv5", "-F", "%C|%P|%R|%p"], topic);

        var result = await Smqtt.PubAsync([.. ListenerArguments.For(broker, Listener.Plain), "-V", "mqttv5", "-t", topic, "-m", "body",
            "-D", "publish", "content-type", "text/plain", "-D", "publish", "user-property", "site", "north", "-D", "PUBLISH", "response-topic", "replies"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["text/plain|site:north|replies|body"], await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task Properties_need_mqtt_5_as_in_mosquitto_pub()
    {
        var result = await Smqtt.PubAsync(["-t", "x", "-m", "y", "-D", "publish", "content-type", "text/plain"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("MQTT v5", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeat_sends_the_message_that_many_times()
    {
        var topic = ListenerArguments.Topic("repeat");
        await using var observer = await MosquittoSubscription.StartAsync(ListenerArguments.For(broker, Listener.Plain), topic, count: 3);

        var result = await Smqtt.PubAsync([.. ListenerArguments.For(broker, Listener.Plain), "-t", topic, "-m", "again", "--repeat", "3", "--repeat-delay", "0.01", "-q", "1"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["again", "again", "again"], await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task Debug_prints_packet_lines_worded_as_mosquitto_does()
    {
        var topic = ListenerArguments.Topic("debug");
        var result = await Smqtt.PubAsync([.. ListenerArguments.For(broker, Listener.Plain), "-t", topic, "-m", "12345", "-q", "1", "-d", "-i", "dbg-client"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            "Client dbg-client sending CONNECT",
            "Client dbg-client received CONNACK (0)",
            $"Client dbg-client sending PUBLISH (d0, q1, r0, m1, '{topic}', ... (5 bytes))",
            "Client dbg-client received PUBACK (Mid: 1, RC:0)",
            "Client dbg-client sending DISCONNECT",
        ], lines);
    }

    [Fact]
    public async Task An_encrypted_key_is_read_with_the_passphrase_from_the_environment_and_refused_clearly_without_it()
    {
        var directory = Directory.CreateTempSubdirectory("smqtt-key-").FullName;
        try
        {
            using var device = broker.Authority.IssueClientCertificate("encrypted-device");
            var certPath = Path.Combine(directory, "device.crt");
            var keyPath = Path.Combine(directory, "device.key");
            PemFiles.WriteAll(
            [
                OutputFile.Text(certPath, device.CertificatePem),
                OutputFile.Text(keyPath, device.ExportEncryptedPrivateKeyPem("s3cret pass"), isSecret: true),
            ]);
            string[] args = ["-h", broker.Host, "-p", $"{broker.MutualTlsPort}", "--cafile", broker.CaCertificatePath,
                "--cert", certPath, "--key", keyPath, "-t", ListenerArguments.Topic("encrypted"), "-m", "y", "-q", "1"];

            var without = await Smqtt.PubAsync(args);
            Environment.SetEnvironmentVariable("SMQTT_KEY_PASSPHRASE", "s3cret pass");
            CliResult with;
            try
            {
                with = await Smqtt.PubAsync(args);
            }
            finally
            {
                Environment.SetEnvironmentVariable("SMQTT_KEY_PASSPHRASE", null);
            }

            Assert.Equal(1, without.ExitCode);
            Assert.Contains("SMQTT_KEY_PASSPHRASE", Assert.Single(without.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
            Assert.True(with.ExitCode == 0, with.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
