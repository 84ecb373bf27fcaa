using SecureMqtt.Cli.Common;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>
/// ~/.config/mosquitto_pub and mosquitto_sub (or $XDG_CONFIG_HOME/...), each case run through mosquitto's own
/// tool with the same HOME and XDG_CONFIG_HOME, so smqtt reads the file exactly as mosquitto 2.0.11 does.
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class DefaultsFileTests(MosquittoFixture broker) : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("smqtt-defaults-").FullName;

    private string[] Connection => ListenerArguments.For(broker, Listener.Plain);

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task Pub_takes_options_from_the_defaults_file_one_per_line_as_mosquitto_pub_does()
    {
        // A value runs to the end of its line, spaces included; '#' starts a comment only in the first column;
        // blank lines, leading spaces and CRLF endings are fine.
        var topic = ListenerArguments.Topic("defaults");
        WriteDefaults("mosquitto_pub", $"# defaults for tests\n-t {topic}\n\n   -m hello  world\r\n-q 1\n");
        await using var observer = await MosquittoSubscription.StartAsync(Connection, topic, count: 2);

        var mosquitto = await MosquittoAsync("mosquitto_pub", [.. Connection]);
        var smqtt = await WithEnvironmentAsync(() => Smqtt.PubAsync([.. Connection]));

        Assert.True(mosquitto.ExitCode == 0, mosquitto.ToString());
        Assert.True(smqtt.ExitCode == 0, smqtt.ToString());
        Assert.Equal(["hello  world", "hello  world"], await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task The_command_line_overrides_the_defaults_file()
    {
        var fromFile = ListenerArguments.Topic("from-file");
        var fromCommandLine = ListenerArguments.Topic("from-command-line");
        WriteDefaults("mosquitto_pub", $"-t {fromFile}\n-m from-defaults\n");
        await using var observer = await MosquittoSubscription.StartAsync(Connection, fromCommandLine, count: 2);

        var mosquitto = await MosquittoAsync("mosquitto_pub", [.. Connection, "-t", fromCommandLine]);
        var smqtt = await WithEnvironmentAsync(() => Smqtt.PubAsync([.. Connection, "-t", fromCommandLine]));

        Assert.True(mosquitto.ExitCode == 0, mosquitto.ToString());
        Assert.True(smqtt.ExitCode == 0, smqtt.ToString());
        Assert.Equal(["from-defaults", "from-defaults"], await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task A_second_payload_option_on_the_command_line_clashes_with_the_file_as_in_mosquitto_pub()
    {
        // The file is read as options placed before the command line, not as a layer the command line replaces.
        WriteDefaults("mosquitto_pub", "-m from-defaults\n");

        var mosquitto = await MosquittoAsync("mosquitto_pub", [.. Connection, "-t", "x", "-n"]);
        var smqtt = await WithEnvironmentAsync(() => Smqtt.PubAsync([.. Connection, "-t", "x", "-n"]));

        Assert.Equal(1, mosquitto.ExitCode);
        Assert.Equal(mosquitto.ExitCode, smqtt.ExitCode);
        Assert.Contains("Only one type of message can be sent at once.", mosquitto.StandardError, StringComparison.Ordinal);
        Assert.Contains("Only one type of message can be sent at once.", smqtt.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task XDG_CONFIG_HOME_replaces_HOME_even_when_it_holds_no_file()
    {
        var topic = ListenerArguments.Topic("xdg");
        WriteDefaults("mosquitto_pub", $"-t {topic}\n-m from-home\n");
        var xdg = Directory.CreateDirectory(Path.Combine(_home, "xdg")).FullName;

        var mosquittoWithout = await MosquittoAsync("mosquitto_pub", [.. Connection], xdg);
        var smqttWithout = await WithEnvironmentAsync(() => Smqtt.PubAsync([.. Connection]), xdg);
        File.WriteAllText(Path.Combine(xdg, "mosquitto_pub"), $"-t {topic}\n-m from-xdg\n");
        await using var observer = await MosquittoSubscription.StartAsync(Connection, topic, count: 2);
        var mosquittoWith = await MosquittoAsync("mosquitto_pub", [.. Connection], xdg);
        var smqttWith = await WithEnvironmentAsync(() => Smqtt.PubAsync([.. Connection]), xdg);

        Assert.Equal(1, mosquittoWithout.ExitCode);
        Assert.Equal(1, smqttWithout.ExitCode);
        Assert.Contains("Both topic and message must be supplied.", smqttWithout.Error, StringComparison.Ordinal);
        Assert.True(mosquittoWith.ExitCode == 0, mosquittoWith.ToString());
        Assert.True(smqttWith.ExitCode == 0, smqttWith.ToString());
        Assert.Equal(["from-xdg", "from-xdg"], await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task Sub_reads_its_own_file_and_adds_command_line_topics_to_it()
    {
        var fromFile = ListenerArguments.Topic("sub-file");
        var fromCommandLine = ListenerArguments.Topic("sub-command-line");
        await RetainAsync(fromFile, "one");
        await RetainAsync(fromCommandLine, "two");
        WriteDefaults("mosquitto_sub", $"-v\n-C 2\n-t {fromFile}\n");
        WriteDefaults("mosquitto_pub", "-m this file is for mosquitto_pub\n");
        try
        {
            var mosquitto = await MosquittoAsync("mosquitto_sub", [.. Connection, "-t", fromCommandLine, "-W", "10"]);
            var smqtt = await WithEnvironmentAsync(() => Smqtt.StartSub([.. Connection, "-t", fromCommandLine, "-W", "10"]).ResultAsync());

            Assert.True(mosquitto.ExitCode == 0, mosquitto.ToString());
            Assert.True(smqtt.ExitCode == 0, smqtt.ToString());
            Assert.Equal(Sorted(mosquitto.StandardOutput), Sorted(smqtt.Text));
            Assert.Equal([$"{fromCommandLine} two", $"{fromFile} one"], Sorted(smqtt.Text));
        }
        finally
        {
            await RetainAsync(fromFile, null);
            await RetainAsync(fromCommandLine, null);
        }

        static string[] Sorted(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    [Theory]
    [InlineData("-q 5\n", "Invalid QoS given: 5", "line 1")]
    [InlineData("# an option that needs its value on the same line\n-p\n", "-p argument given but no port specified.", "line 2")]
    [InlineData("-p\t1883\n", "Unknown option '-p\t1883'.", "line 1")]
    [InlineData("  # not a comment\n", "Unknown option '#'.", "line 1")]
    [InlineData("-D publish user-property a b\n", "Invalid command publish user-property a b given in -D.", "line 1")]
    public async Task A_bad_line_fails_as_on_the_command_line_and_says_where(string defaults, string expected, string where)
    {
        WriteDefaults("mosquitto_pub", defaults);

        var mosquitto = await MosquittoAsync("mosquitto_pub", [.. Connection, "-t", "x", "-m", "y"]);
        var smqtt = await WithEnvironmentAsync(() => Smqtt.PubAsync([.. Connection, "-t", "x", "-m", "y"]));

        Assert.Equal(1, mosquitto.ExitCode);
        Assert.Equal(1, smqtt.ExitCode);
        Assert.Contains(expected, smqtt.Error, StringComparison.Ordinal);
        Assert.Contains($"(in {_home}/.config/mosquitto_pub, {where})", smqtt.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Splits_a_line_into_the_option_and_the_rest_of_the_line()
    {
        var lines = DefaultsFile.Parse("f", "-d\n#-q 2\n\n  -m  two  spaces \r\n-r extra words\n   \n");

        Assert.Equal([["-d"], ["-m", " two  spaces "], ["-r", "extra words"]], lines.Select(l => l.Tokens.ToArray()));
        Assert.Equal([1, 4, 5], lines.Select(l => l.Number));
    }

    private void WriteDefaults(string tool, string text)
    {
        Directory.CreateDirectory(Path.Combine(_home, ".config"));
        File.WriteAllText(Path.Combine(_home, ".config", tool), text);
    }

    private Task<ProcessResult> MosquittoAsync(string tool, string[] args, string? xdg = null)
        => ProcessRunner.RunAsync(tool, args, environment: new Dictionary<string, string?> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = xdg });

    /// <summary>Runs smqtt in-process with the same HOME and XDG_CONFIG_HOME, for this async flow only.</summary>
    private async Task<T> WithEnvironmentAsync<T>(Func<Task<T>> run, string? xdg = null)
    {
        DefaultsFile.EnvironmentOverride.Value = name => name switch
        {
            "HOME" => _home,
            "XDG_CONFIG_HOME" => xdg,
            _ => Environment.GetEnvironmentVariable(name),
        };
        try
        {
            return await run();
        }
        finally
        {
            DefaultsFile.EnvironmentOverride.Value = null;
        }
    }

    private async Task RetainAsync(string topic, string? payload)
    {
        var result = await ProcessRunner.RunAsync("mosquitto_pub", [.. Connection, "-t", topic, "-r", .. payload is null ? new[] { "-n" } : ["-m", payload]]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
