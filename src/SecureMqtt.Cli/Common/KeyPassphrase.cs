using System.Text;

namespace SecureMqtt.Cli.Common;

/// <summary>The passphrase of an encrypted --key: from SMQTT_KEY_PASSPHRASE, else asked on the terminal, else a clear error.</summary>
internal static class KeyPassphrase
{
    public const string EnvironmentVariable = "SMQTT_KEY_PASSPHRASE";

    public static string? Resolve(string keyFile, CliStreams streams)
    {
        if (!IsEncrypted(keyFile))
        {
            return null;
        }

        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value)
        {
            return value;
        }

        if (!streams.InputIsTerminal)
        {
            throw new UsageException($"The key {keyFile} is encrypted and there is no terminal to ask for its passphrase: set {EnvironmentVariable}.");
        }

        var text = ReadHidden($"Enter the passphrase of {keyFile}: ", streams.Error);
        return text.Length > 0 ? text : throw new UsageException($"No passphrase given for {keyFile}.");
    }

    /// <summary>
    /// Reads a line from the terminal without echoing it, after writing <paramref name="prompt"/> to
    /// <paramref name="prompts"/> (stderr, so stdout stays clean for output that is piped or redirected).
    /// Backspace deletes, other control keys are ignored. The one passphrase reader of smqtt.
    /// </summary>
    public static string ReadHidden(string prompt, TextWriter prompts)
    {
        prompts.Write(prompt);
        prompts.Flush();
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                text.Length = Math.Max(0, text.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }

        prompts.WriteLine();
        return text.ToString();
    }

    private static bool IsEncrypted(string keyFile)
    {
        var text = File.ReadAllText(keyFile);
        return text.Contains("BEGIN ENCRYPTED PRIVATE KEY", StringComparison.Ordinal) || text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal);
    }
}
