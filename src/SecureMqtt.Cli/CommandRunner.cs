using System.CommandLine;
using System.Security.Cryptography;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli;

/// <summary>Runs a command body and turns the errors a user can fix into one line on stderr and a non-zero exit code.</summary>
internal static class CommandRunner
{
    public static void SetAction(Command command, Func<ParseResult, TextWriter, TextWriter, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                return await body(parseResult, output, error, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CliException or PkiException or ArgumentException or CryptographicException or IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"smqtt: error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });

    public static void SetAction(Command command, Func<ParseResult, TextWriter, TextWriter, int> body) =>
        SetAction(command, (parseResult, output, error, _) => Task.FromResult(body(parseResult, output, error)));
}
