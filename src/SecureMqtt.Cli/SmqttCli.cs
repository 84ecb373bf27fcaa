using System.CommandLine;
using SecureMqtt.Cli.Certs;

namespace SecureMqtt.Cli;

/// <summary>The <c>smqtt</c> root command: composes each area's command builder and runs the parsed command.</summary>
internal static class SmqttCli
{
    /// <summary>The root command with every area's subcommands.</summary>
    public static RootCommand CreateRootCommand() => new("smqtt: MQTT over TLS made easy - certificates, publish, subscribe")
    {
        CertsCommand.Create(),
        Demo.DemoCommand.Create(),
        Doctor.DoctorCommand.Create(),
        Pub.PubCommand.Create(),
        Sub.SubCommand.Create(),
    };

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
