using System.Reflection;

namespace SecureMqtt.Cli.Tests;

/// <summary>smqtt --version, which scripts/pack.sh also checks on the installed tool.</summary>
public sealed class VersionTests
{
    [Fact]
    public async Task Version_prints_the_version_every_package_shares()
    {
        var output = new StringWriter();

        var code = await SmqttCli.InvokeAsync(["--version"], output, new StringWriter());

        Assert.Equal(0, code);
        var printed = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim();
        var library = typeof(MqttClient).Assembly;
        Assert.Equal(library.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion, printed);
        Assert.Matches(@"^\d+\.\d+\.\d+([-+].*)?$", printed);

        // 1.0.0 is the SDK's default: seeing it would mean Directory.Build.props' VersionPrefix did not apply.
        Assert.NotEqual(new Version(1, 0, 0, 0), library.GetName().Version);
    }
}
