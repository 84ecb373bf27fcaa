using System.Security.Cryptography;
using SecureMqtt.Cli.Pub;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>--auth-method / -D connect authentication-method against the SCRAM test peer, and next to mosquitto_pub.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class AuthOptionTests(MosquittoFixture mosquitto)
{
    [Theory]
    [InlineData("--auth-method", "SCRAM-SHA-256")]
    [InlineData("-D connect authentication-method", "scram-sha-512")]
    public async Task Pub_authenticates_with_SCRAM_using_the_user_name_and_password(string option, string method)
    {
        var hash = method.EndsWith("512", StringComparison.Ordinal) ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
        await using var broker = new ScramAuthBroker(hash, "alice", "s3cret");

        var result = await Smqtt.PubAsync([
            "-h", "127.0.0.1", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", "mqttv5",
            .. option.Split(' '), method, "-u", "alice", "-P", "s3cret", "-t", "a/b", "-m", "hello"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var wait = new CancellationTokenSource(Smqtt.Timeout);
        var publish = await broker.Publishes.ReadAsync(wait.Token);
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(publish.Payload.Span));
        Assert.Equal(1, broker.Authentications);
    }

    [Fact]
    public async Task Sub_authenticates_with_SCRAM_and_a_wrong_password_is_refused_as_not_authorised()
    {
        await using var broker = new ScramAuthBroker(HashAlgorithmName.SHA256, "alice", "s3cret");

        var run = Smqtt.StartSub(["-h", "127.0.0.1", "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-V", "mqttv5",
            "--auth-method", "SCRAM-SHA-256", "-u", "alice", "-P", "guess", "-t", "a/#"]);
        var result = await run.ResultAsync();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("NotAuthorized", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, broker.Refusals);
    }

    [Theory]
    [InlineData(new[] { "--auth-method", "PLAIN", "-u", "a", "-P", "b" }, "Unsupported authentication method 'PLAIN'")]
    [InlineData(new[] { "--auth-method", "SCRAM-SHA-256", "-u", "a" }, "needs -u and -P")]
    [InlineData(new[] { "--auth-method", "SCRAM-SHA-256", "-u", "a", "-P", "b", "--auth-data", "x" }, "--auth-data cannot be used with SCRAM-SHA-256")]
    [InlineData(new[] { "--auth-data", "x" }, "no authentication method")]
    public void Invalid_combinations_are_refused_with_the_reason(string[] auth, string expected)
    {
        var error = Assert.Throws<Cli.Common.UsageException>(() => PubArguments.Parse(["-V", "mqttv5", "-t", "t", "-m", "m", .. auth], []));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        if (expected.StartsWith("Unsupported", StringComparison.Ordinal))
        {
            Assert.Contains("SCRAM-SHA-256 and SCRAM-SHA-512", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Enhanced_authentication_needs_MQTT_5()
    {
        var error = Assert.Throws<Cli.Common.UsageException>(() => PubArguments.Parse(["--auth-method", "SCRAM-SHA-256", "-u", "a", "-P", "b", "-t", "t", "-m", "m"], []));

        Assert.Contains("-V mqttv5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Against_Mosquitto_which_offers_no_method_both_tools_fail_with_bad_authentication_method()
    {
        // Debian's Mosquitto 2.0.11 answers any Authentication Method with CONNACK 0x8C, for mosquitto_pub's
        // -D connect authentication-method as for ours.
        string[] args = [.. ListenerArguments.For(mosquitto, Listener.Plain), "-V", "mqttv5", "-D", "connect", "authentication-method", "SCRAM-SHA-256",
            "-u", "alice", "-P", "s3cret", "-t", ListenerArguments.Topic("auth"), "-m", "m"];

        var theirs = await ProcessRunner.RunAsync("mosquitto_pub", args);
        var ours = await Smqtt.PubAsync(args);

        Assert.NotEqual(0, theirs.ExitCode);
        Assert.NotEqual(0, ours.ExitCode);
        Assert.Contains("authentication method", theirs.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("BadAuthenticationMethod", ours.Error, StringComparison.Ordinal);
    }
}
