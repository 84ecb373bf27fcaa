using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using SecureMqtt.Cli.Certs;

namespace SecureMqtt.Cli;

/// <summary>The <c>smqtt</c> root command: composes each area's command builder and runs the parsed command.</summary>
internal static class SmqttCli
{
    /// <summary>smqtt's version, the one all SecureMqtt packages share (Directory.Build.props), with the commit when Source Link knows it.</summary>
    public static string Version { get; } =
        typeof(SmqttCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The root command with every area's subcommands.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("smqtt: MQTT over TLS made easy - certificates, publish, subscribe")
        {
            Bench.BenchCommand.Create(),
            CertsCommand.Create(),
            Demo.DemoCommand.Create(),
            Doctor.DoctorCommand.Create(),
            Pub.PubCommand.Create(),
            Rr.RrCommand.Create(),
            Sub.SubCommand.Create(),
        };

        // The built-in --version reports the entry assembly: the test host, not smqtt, when smqtt runs in-process.
        foreach (var option in root.Options.OfType<VersionOption>())
        {
            option.Action = new PrintVersionAction();
        }

        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; a usage error prints one line on stderr and returns 2.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="output">Standard output; default the console.</param>
    /// <param name="error">Standard error; default the console.</param>
    /// <param name="cancellationToken">Cancels a running command.</param>
    public static async Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        var parseResult = CreateRootCommand().Parse(args);
        var configuration = new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error };
        if (parseResult.Errors.Count > 0)
        {
            var command = string.Join(' ', parseResult.CommandResult.Command.Parents.OfType<Command>().Reverse().Select(c => c.Name).Append(parseResult.CommandResult.Command.Name));
            var messages = string.Join(" ", parseResult.Errors.Select(e => e.Message.TrimEnd('.') + ".").Distinct().Take(2));
            await configuration.Error.WriteLineAsync($"smqtt: {messages} Run '{command} --help' for the options.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Prints <see cref="SmqttCli.Version"/> on the invocation's output.</summary>
internal sealed class PrintVersionAction : SynchronousCommandLineAction
{
    /// <inheritdoc />
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(SmqttCli.Version);
        return ExitCodes.Success;
    }
}

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The command ran and failed (missing file, wrong passphrase, chain does not verify).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself was wrong.</summary>
    public const int Usage = 2;
}
