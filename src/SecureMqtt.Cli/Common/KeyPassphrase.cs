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

        streams.Error.Write($"Enter the passphrase of {keyFile}: ");
        streams.Error.Flush();
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

        streams.Error.WriteLine();
        return text.Length > 0 ? text.ToString() : throw new UsageException($"No passphrase given for {keyFile}.");
    }

    private static bool IsEncrypted(string keyFile)
    {
        var text = File.ReadAllText(keyFile);
        return text.Contains("BEGIN ENCRYPTED PRIVATE KEY", StringComparison.Ordinal) || text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal);
    }
}
