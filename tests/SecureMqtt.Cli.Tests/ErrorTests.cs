using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>Mistakes and failures give one stderr line and the exit status mosquitto_pub/mosquitto_sub give.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class ErrorTests(MosquittoFixture broker)
{
    [Theory]
    [InlineData("--bogus")]
    [InlineData("-q", "3")]
    [InlineData("-t")]
    [InlineData("-m", "only a message")]
    public async Task A_bad_command_line_gives_one_line_and_mosquittos_exit_status(params string[] args)
    {
        var mosquitto = await ProcessRunner.RunAsync("mosquitto_pub", ["-t", "x", .. args]);
        var smqtt = await Smqtt.PubAsync(["-t", "x", .. args]);

        Assert.Equal(mosquitto.ExitCode, smqtt.ExitCode);
        Assert.Equal(1, smqtt.ExitCode);
        var line = Assert.Single(smqtt.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Error: ", line, StringComparison.Ordinal);
        Assert.Empty(smqtt.Output);
    }

    [Theory]
    [InlineData("pub", "2")]
    [InlineData("sub", "0")]
    public async Task A_keep_alive_under_five_seconds_is_refused_before_connecting_as_mosquitto_refuses_it(string command, string keepAlive)
    {
        // Against a live broker, so only the option check can make this fail.
        string[] args = [.. ListenerArguments.For(broker, Listener.Plain), "-t", ListenerArguments.Topic("k"), "-k", keepAlive, .. command == "pub" ? new[] { "-m", "y" } : ["-E"]];
        var mosquitto = await ProcessRunner.RunAsync(command == "pub" ? "mosquitto_pub" : "mosquitto_sub", args);
        var error = new StringWriter();

        var code = await SmqttCli.InvokeAsync([command, .. args], new StringWriter(), error);

        Assert.Equal((1, 1), (mosquitto.ExitCode, code));
        Assert.Contains("keepalive", Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pub", "-t", "x", "-m", "y", "-h")]
    [InlineData("pub", "-t", "x", "-m", "y", "--nonsense")]
    [InlineData("sub", "-t", "a/#/b")]
    public async Task Through_the_smqtt_command_line_a_bad_option_still_exits_as_mosquitto_does(params string[] args)
    {
        var mosquitto = await ProcessRunner.RunAsync(args[0] == "pub" ? "mosquitto_pub" : "mosquitto_sub", args[1..]);
        var error = new StringWriter();

        var code = await SmqttCli.InvokeAsync(args, new StringWriter(), error);

        Assert.Equal(mosquitto.ExitCode, code);
        Assert.StartsWith("Error: ", Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_smqtt_command_line_h_is_the_host()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await SmqttCli.InvokeAsync(["pub", "-h", broker.Host, "-p", $"{broker.PlainPort}", "-t", ListenerArguments.Topic("h"), "-m", "y", "-d", "-i", "h-test"], output, error);

        Assert.True(code == 0, $"{output}\n{error}");
        Assert.StartsWith("Client h-test sending CONNECT", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsupported_option_says_why()
    {
        var result = await Smqtt.PubAsync(["-t", "x", "-m", "y", "--ciphers", "ECDHE"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--ciphers is not supported because", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_broker_gives_one_line_and_mosquittos_exit_status()
    {
        var port = FreePort.Next();
        var mosquitto = await ProcessRunner.RunAsync("mosquitto_sub", ["-h", "127.0.0.1", "-p", $"{port}", "-t", "x"]);
        var sub = Smqtt.StartSub(["-h", "127.0.0.1", "-p", $"{port}", "-t", "x"]);
        var smqtt = await sub.ResultAsync();

        Assert.Equal(mosquitto.ExitCode, smqtt.ExitCode);
        var line = Assert.Single(smqtt.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("mqttv311", 5)]
    [InlineData("mqttv5", 135)]
    public async Task A_refused_connection_exits_with_the_connack_reason_code(string version, int expected)
    {
        var port = FreePort.Next();
        await using var closed = await MosquittoBroker.StartAsync([new MosquittoListener { Port = port, AllowAnonymous = false }]);
        string[] args = ["-h", "127.0.0.1", "-p", $"{port}", "-V", version, "-t", "x", "-m", "y"];
        var mosquitto = await ProcessRunner.RunAsync("mosquitto_pub", args);

        var smqtt = await Smqtt.PubAsync(args);

        Assert.Equal(expected, smqtt.ExitCode);
        Assert.Equal(mosquitto.ExitCode, smqtt.ExitCode);
        Assert.StartsWith("Connection error: ", Assert.Single(smqtt.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_broker_certificate_from_an_unknown_ca_fails_with_a_tls_line_even_with_insecure(bool insecure)
    {
        using var other = SecureMqtt.Pki.CertificateAuthority.Create("Somebody Else");
        var caFile = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.crt");
        await File.WriteAllTextAsync(caFile, other.CertificatePem);
        try
        {
            string[] args = ["-h", broker.Host, "-p", $"{broker.TlsPort}", "--cafile", caFile, "-t", "x", "-m", "y"];
            var result = await Smqtt.PubAsync(insecure ? [.. args, "--insecure"] : args);

            Assert.Equal(1, result.ExitCode);
            var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("certificate verify failed", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(caFile);
        }
    }

    [Fact]
    public async Task Insecure_still_connects_to_a_broker_whose_chain_verifies()
    {
        var topic = ListenerArguments.Topic("insecure");
        var result = await Smqtt.PubAsync([.. ListenerArguments.For(broker, Listener.MutualTls), "--insecure", "-t", topic, "-m", "y", "-q", "1"]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
