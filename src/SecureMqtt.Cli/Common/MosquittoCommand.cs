using System.CommandLine;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// Hosts a mosquitto-compatible tool inside the smqtt command tree. mosquitto's -h is the host, and its options
/// take no <c>--name=value</c> forms, so System.CommandLine only routes: the tool parses its own tokens. The
/// command's own -h and --help options shadow the root's help option (-h) for this command.
/// </summary>
internal static class MosquittoCommand
{
    public delegate Task<int> Runner(IReadOnlyList<string> args, CliStreams streams, CancellationToken cancellationToken);

    public static Command Create(string name, string description, Func<string> usage, Runner run)
    {
        // ZeroOrOne, so a bare trailing -h reaches our parser and gets mosquitto's error and exit status (1), not a parse error.
        var host = new Option<string?>("-h") { Description = "Broker host (mosquitto's -h)", Hidden = true, Arity = ArgumentArity.ZeroOrOne };
        var help = new Option<bool>("--help") { Description = "Show the options" };
        var tokens = new Argument<string[]>("options") { Arity = ArgumentArity.ZeroOrMore, Description = "mosquitto-style options; see --help" };
        var command = new Command(name, description) { host, help, tokens };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var config = parseResult.InvocationConfiguration;
            if (parseResult.GetValue(help))
            {
                await config.Output.WriteAsync(usage()).ConfigureAwait(false);
                return 0;
            }

            var args = new List<string>();
            var hostValue = parseResult.GetValue(host);
            if (hostValue is not null)
            {
                args.AddRange(["-h", hostValue]);
            }

            args.AddRange(parseResult.GetValue(tokens) ?? []);
            args.AddRange(parseResult.UnmatchedTokens);
            if (hostValue is null && parseResult.GetResult(host) is not null)
            {
                // A bare -h is necessarily the last token (otherwise the next one would be its value).
                args.Add("-h");
            }
            return await run(args, CliStreams.FromConsole(config.Output, config.Error), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
