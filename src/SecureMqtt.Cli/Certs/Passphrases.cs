using System.CommandLine;
using SecureMqtt.Cli.Common;

namespace SecureMqtt.Cli.Certs;

/// <summary>
/// The ways to give a passphrase: prompted on the terminal (not echoed), from an environment variable, from a
/// file, or as a plain argument (which warns, because it ends up in shell history and process listings).
/// </summary>
internal sealed class Passphrases
{
    private readonly string _what;

    private Passphrases(string prefix, string what)
    {
        _what = what;
        Env = new Option<string?>($"--{prefix}-env") { Description = $"Read the {what} from this environment variable" };
        File = new Option<FileInfo?>($"--{prefix}-file") { Description = $"Read the {what} from the first line of this file" };
        Plain = new Option<string?>($"--{prefix}") { Description = $"The {what} itself (insecure: visible in shell history and process lists)" };
    }

    public Option<string?> Env { get; }

    public Option<FileInfo?> File { get; }

    public Option<string?> Plain { get; }

    /// <summary>Options for the passphrase that protects newly written keys.</summary>
    public static Passphrases ForNewKey() => new("passphrase", "passphrase for the new private key");

    /// <summary>Options for the passphrase of an existing CA key.</summary>
    public static Passphrases ForCaKey() => new("ca-passphrase", "passphrase of the CA private key");

    public void AddTo(Command command)
    {
        command.Add(Env);
        command.Add(File);
        command.Add(Plain);
    }

    /// <summary>Whether any non-interactive source was given.</summary>
    public bool IsGiven(ParseResult parseResult) =>
        parseResult.GetValue(Env) is not null || parseResult.GetValue(File) is not null || parseResult.GetValue(Plain) is not null;

    /// <summary>
    /// The passphrase from the option given, else from a terminal prompt (asked twice when <paramref name="confirm"/>),
    /// else an error naming the options.
    /// </summary>
    public string Resolve(ParseResult parseResult, TextWriter error, string purpose, bool confirm)
    {
        string? value;
        if (parseResult.GetValue(Env) is { } variable)
        {
            value = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(value))
            {
                throw new CliException($"Environment variable {variable} is not set or empty: export it with the {_what}, or use {File.Name}.");
            }
        }
        else if (parseResult.GetValue(File) is { } file)
        {
            if (!file.Exists)
            {
                throw new CliException($"{file.FullName} not found: create it with the {_what} on its first line, or use {Env.Name}.");
            }

            value = System.IO.File.ReadLines(file.FullName).FirstOrDefault()?.TrimEnd('\r');
            if (string.IsNullOrEmpty(value))
            {
                throw new CliException($"{file.FullName} is empty: put the {_what} on its first line.");
            }
        }
        else if (parseResult.GetValue(Plain) is { } plain)
        {
            error.WriteLine($"smqtt: warning: {Plain.Name} exposes the passphrase to shell history and process listings; prefer {Env.Name} or {File.Name}.");
            value = plain;
        }
        else
        {
            value = Prompt(purpose, confirm);
        }

        if (string.IsNullOrEmpty(value))
        {
            throw new CliException($"The {_what} must not be empty.");
        }

        return value;
    }

    private string Prompt(string purpose, bool confirm)
    {
        if (Console.IsInputRedirected)
        {
            throw new CliException($"{purpose} needs the {_what}, and there is no terminal to ask on: pass {Env.Name} VARIABLE or {File.Name} FILE.");
        }

        var first = KeyPassphrase.ReadHidden($"Enter {_what}: ", Console.Error);
        if (confirm && KeyPassphrase.ReadHidden($"Repeat {_what}: ", Console.Error) != first)
        {
            throw new CliException("The two passphrases differ: run the command again and type the same passphrase twice.");
        }

        return first;
    }
}
