using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Pki.Tests;

/// <summary>A real Mosquitto started from 'certs mosquitto-conf' output and files made only with smqtt certs.</summary>
public sealed class MosquittoConfTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly int _port = FreePort.Next();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Broker_accepts_the_generated_client_certificate_and_its_acl_limits_the_device_to_its_own_topics()
    {
        await CreatePkiAsync("device-42", "observer");
        await File.WriteAllTextAsync(_dir["acl"], "user device-42\ntopic write devices/device-42/#\n\nuser observer\ntopic read devices/#\n");
        await using var broker = await StartBrokerAsync("--acl-file", _dir["acl"]);
        await using var observer = await MosquittoSubscription.StartAsync(ClientArguments("observer"), "devices/#");

        // The denied publish goes first: had the broker forwarded it, the observer would see it before the allowed one.
        var denied = await PublishAsync("device-42", "devices/device-43/x", "not allowed");
        var allowed = await PublishAsync("device-42", "devices/device-42/temperature", "21.5");

        Assert.True(denied.ExitCode == 0, $"{denied}\n{broker.ReadLog()}");
        Assert.True(allowed.ExitCode == 0, $"{allowed}\n{broker.ReadLog()}");
        Assert.Equal(["21.5"], await observer.WaitForMessagesAsync());
        Assert.Contains("Denied PUBLISH from", broker.ReadLog());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task The_library_client_connects_over_mutual_tls_with_the_files_smqtt_certs_made(MqttProtocolVersion version)
    {
        await CreatePkiAsync("device-42");
        await using var broker = await StartBrokerAsync();
        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = _port,
            ProtocolVersion = version,
            ClientId = "device-42",
            Tls = new MqttTlsOptions
            {
                CaFile = _dir["ca.crt"],
                ClientCertificateFile = _dir["device-42.crt"],
                ClientKeyFile = _dir["device-42.key"],
            },
        });

        var connected = await client.ConnectAsync();
        await client.SubscribeAsync("devices/device-42/#", MqttQualityOfService.AtLeastOnce);
        var published = await client.PublishAsync("devices/device-42/hello", "over mutual TLS"u8.ToArray(), MqttQualityOfService.AtLeastOnce);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await client.ReadMessagesAsync(timeout.Token).FirstAsync(timeout.Token);

        Assert.Equal(MqttReasonCode.Success, connected.ReasonCode);
        Assert.True(client.TlsInfo!.ServerCertificateVerified);
        Assert.Equal(MqttReasonCode.Success, published.ReasonCode);
        Assert.Equal("over mutual TLS", System.Text.Encoding.UTF8.GetString(received.Payload.Span));
        Assert.Contains("device-42", broker.ReadLog());
    }

    [Fact]
    public async Task Broker_rejects_a_client_certificate_from_another_ca()
    {
        await CreatePkiAsync("device-42");
        using var other = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", other.Path, "--name", "SecureMqtt CA");
        await Smqtt.SucceedAsync("certs", "client", "--dir", other.Path, "--name", "device-42");
        await using var broker = await StartBrokerAsync();

        var genuine = await PublishAsync("device-42", "devices/device-42/x", "ok");
        var impostor = await ProcessRunner.RunAsync("mosquitto_pub",
            [.. ServerArguments(), "--cert", other["device-42.crt"], "--key", other["device-42.key"], "-t", "devices/device-42/x", "-m", "forged", "-q", "1"]);

        Assert.True(genuine.ExitCode == 0, $"{genuine}\n{broker.ReadLog()}");
        Assert.NotEqual(0, impostor.ExitCode);
        Assert.Contains("certificate verify failed", broker.ReadLog());
    }

    [Fact]
    public async Task Broker_rejects_a_revoked_client_certificate_after_revoke_and_reload()
    {
        await CreatePkiAsync("device-42", "device-43");
        await Smqtt.SucceedAsync("certs", "revoke", "--dir", _dir.Path);
        await using var broker = await StartBrokerAsync();
        var before = await PublishAsync("device-42", "devices/device-42/x", "before");
        Assert.True(before.ExitCode == 0, $"{before}\n{broker.ReadLog()}");

        var revoke = await Smqtt.SucceedAsync("certs", "revoke", "--dir", _dir.Path, _dir["device-42.crt"], "--reason", "KeyCompromise");
        await broker.ReloadAsync();

        var after = await PublishAsync("device-42", "devices/device-42/x", "after");
        var bystander = await PublishAsync("device-43", "devices/device-43/x", "still fine");
        Assert.Contains("Revoked CN=device-42", revoke.StandardOutput);
        Assert.True(after.ExitCode != 0, $"revoked certificate was accepted\n{broker.ReadLog()}");
        Assert.True(bystander.ExitCode == 0, $"{bystander}\n{broker.ReadLog()}");
    }

    [Fact]
    public async Task Repeated_revocations_accumulate_in_the_crl()
    {
        await CreatePkiAsync("device-1", "device-2");

        await Smqtt.SucceedAsync("certs", "revoke", "--dir", _dir.Path, _dir["device-1.crt"]);
        await Smqtt.SucceedAsync("certs", "revoke", "--dir", _dir.Path, _dir["device-2.crt"]);
        var again = await Smqtt.SucceedAsync("certs", "revoke", "--dir", _dir.Path, _dir["device-1.crt"]);

        using var one = PemReader.ReadCertificate(_dir["device-1.crt"]);
        using var two = PemReader.ReadCertificate(_dir["device-2.crt"]);
        var crl = await ProcessRunner.RunAsync("openssl", ["crl", "-in", _dir["crl.pem"], "-noout", "-text"]);
        var verifyOne = await ProcessRunner.RunAsync("openssl", ["verify", "-crl_check", "-CAfile", _dir["ca.crt"], "-CRLfile", _dir["crl.pem"], _dir["device-1.crt"]]);
        var verifyCa = await ProcessRunner.RunAsync("openssl", ["crl", "-in", _dir["crl.pem"], "-noout", "-CAfile", _dir["ca.crt"]]);
        Assert.Contains("Already revoked", again.StandardOutput);
        Assert.Contains($"Serial Number: {one.SerialNumber}", crl.StandardOutput);
        Assert.Contains($"Serial Number: {two.SerialNumber}", crl.StandardOutput);
        Assert.Matches(@"CRL Number:\s+3\s", crl.StandardOutput);
        Assert.NotEqual(0, verifyOne.ExitCode);
        Assert.Contains("certificate revoked", verifyOne.StandardError + verifyOne.StandardOutput);
        Assert.Contains("verify OK", verifyCa.StandardError + verifyCa.StandardOutput);
    }

    [Theory]
    [InlineData("Other CA")]
    [InlineData("SecureMqtt CA")] // same name as ours: only the key identifier tells them apart
    public async Task Revoking_a_certificate_of_another_ca_is_refused(string otherName)
    {
        await CreatePkiAsync();
        using var other = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", other.Path, "--name", otherName);
        await Smqtt.SucceedAsync("certs", "client", "--dir", other.Path, "--name", "stranger");

        var result = await Smqtt.RunAsync("certs", "revoke", "--dir", _dir.Path, other["stranger.crt"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not by this CA", result.StandardError);
        Assert.False(File.Exists(_dir["crl.pem"]));
    }

    [Fact]
    public async Task Conf_block_names_every_file_and_the_mutual_tls_settings()
    {
        await CreatePkiAsync();
        await Smqtt.SucceedAsync("certs", "revoke", "--dir", _dir.Path);

        var result = await Smqtt.SucceedAsync("certs", "mosquitto-conf", "--dir", _dir.Path, "--port", "8884");

        var lines = result.StandardOutput.Split('\n');
        Assert.Contains("listener 8884", lines);
        Assert.Contains($"cafile {_dir["ca.crt"]}", lines);
        Assert.Contains($"certfile {_dir["server.crt"]}", lines);
        Assert.Contains($"keyfile {_dir["server.key"]}", lines);
        Assert.Contains($"crlfile {_dir["crl.pem"]}", lines);
        Assert.Contains("require_certificate true", lines);
        Assert.Contains("use_identity_as_username true", lines);
        Assert.Contains("tls_version tlsv1.2", lines);
    }

    private async Task CreatePkiAsync(params string[] devices)
    {
        await Smqtt.SucceedAsync("certs", "ca", "--dir", _dir.Path);
        await Smqtt.SucceedAsync("certs", "server", "--dir", _dir.Path);
        foreach (var device in devices)
        {
            await Smqtt.SucceedAsync("certs", "client", "--dir", _dir.Path, "--name", device);
        }
    }

    private async Task<MosquittoBroker> StartBrokerAsync(params string[] extra)
    {
        var conf = await Smqtt.SucceedAsync(["certs", "mosquitto-conf", "--dir", _dir.Path, "--port", $"{_port}", "--bind", "127.0.0.1", .. extra]);
        return await MosquittoBroker.StartAsync(conf.StandardOutput, [_port]);
    }

    private Task<ProcessResult> PublishAsync(string device, string topic, string message) =>
        ProcessRunner.RunAsync("mosquitto_pub", [.. ClientArguments(device), "-t", topic, "-m", message, "-q", "1"]);

    private List<string> ClientArguments(string device) =>
        [.. ServerArguments(), "--cert", _dir[device + ".crt"], "--key", _dir[device + ".key"]];

    private List<string> ServerArguments() => ["-h", "127.0.0.1", "-p", $"{_port}", "--cafile", _dir["ca.crt"]];
}
