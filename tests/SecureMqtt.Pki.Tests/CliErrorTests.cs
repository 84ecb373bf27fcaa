namespace SecureMqtt.Pki.Tests;

/// <summary>Every mistake a user can make ends in one line on stderr that says what to do, a non-zero exit, and no files.</summary>
public sealed class CliErrorTests
{
    [Fact]
    public async Task Missing_ca_files_say_to_run_certs_ca_first()
    {
        using var dir = new TempDirectory();

        var result = await Smqtt.RunAsync("certs", "client", "--dir", dir.Path, "--name", "device-1");

        AssertOneLineError(result, "not found: run 'smqtt certs ca'");
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Theory]
    [InlineData("--dns", "bad name!", "is not a valid DNS name")]
    [InlineData("--dns", "a..b", "is not a valid DNS name")]
    [InlineData("--ip", "300.1.2.3", "is not a valid IP address")]
    [InlineData("--ip", "broker.example", "is not a valid IP address")]
    public async Task An_invalid_san_is_refused_before_anything_is_written(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);

        var result = await Smqtt.RunAsync("certs", "server", "--dir", dir.Path, option, value);

        AssertOneLineError(result, expected);
        Assert.False(File.Exists(dir["server.key"]));
    }

    [Fact]
    public async Task A_ca_certificate_that_is_not_a_ca_is_refused()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "server", "--dir", dir.Path);

        var result = await Smqtt.RunAsync("certs", "client", "--dir", dir.Path, "--name", "d", "--ca-cert", dir["server.crt"], "--ca-key", dir["server.key"]);

        AssertOneLineError(result, "is not a CA certificate");
        Assert.False(File.Exists(dir["d.crt"]));
    }

    [Fact]
    public async Task A_key_that_does_not_belong_to_the_ca_certificate_is_refused()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "server", "--dir", dir.Path);

        var result = await Smqtt.RunAsync("certs", "client", "--dir", dir.Path, "--name", "d", "--ca-key", dir["server.key"]);

        AssertOneLineError(result, "is not the private key of");
    }

    [Fact]
    public async Task A_device_name_that_would_break_topics_or_paths_is_refused()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);

        var result = await Smqtt.RunAsync("certs", "client", "--dir", dir.Path, "--name", "../evil");

        AssertOneLineError(result, "cannot be used as device name");
    }

    [Fact]
    public async Task A_usage_error_is_one_line_with_exit_code_two()
    {
        var result = await Smqtt.RunAsync("certs", "client", "--no-such-option");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StandardError.TrimEnd().Split('\n'));
        Assert.Contains("--help", result.StandardError);
    }

    private static void AssertOneLineError(Testing.ProcessResult result, string expected)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.StandardError);
        Assert.StartsWith("smqtt: error: ", result.StandardError);
        Assert.Single(result.StandardError.TrimEnd().Split('\n'));
    }
}
