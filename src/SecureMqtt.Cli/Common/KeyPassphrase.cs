using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// The passphrase of an encrypted --key or --pkcs12 file: from SMQTT_KEY_PASSPHRASE, else asked on the terminal, else
/// a clear error.
/// </summary>
internal static class KeyPassphrase
{
    public const string EnvironmentVariable = "SMQTT_KEY_PASSPHRASE";

    public static string? Resolve(string keyFile, CliStreams streams) => IsEncrypted(keyFile) ? Obtain(keyFile, streams).Passphrase : null;

    /// <summary>
    /// The password of a --pkcs12 file, or null when it opens without one. It is tried here, before connecting, so a
    /// wrong one is reported as such in smqtt's terms (where it came from), not as a broker or option problem.
    /// </summary>
    public static string? ResolvePkcs12(string path, CliStreams streams)
    {
        if (OpensPkcs12(path, null))
        {
            return null;
        }

        var (passphrase, source) = Obtain(path, streams);
        return OpensPkcs12(path, passphrase) ? passphrase
            : throw new CliException($"The PKCS#12 file {path} cannot be opened with the passphrase from {source}: it is wrong, or the file is not PKCS#12 (.p12/.pfx). Use the passphrase it was exported with.");
    }

    private static (string Passphrase, string Source) Obtain(string path, CliStreams streams)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value)
        {
            return (value, EnvironmentVariable);
        }

        if (!streams.InputIsTerminal)
        {
            throw new UsageException($"The key {path} is encrypted and there is no terminal to ask for its passphrase: set {EnvironmentVariable}.");
        }

        var text = ReadHidden($"Enter the passphrase of {path}: ", streams.Error);
        return text.Length > 0 ? (text, "the terminal") : throw new UsageException($"No passphrase given for {path}.");
    }

    private static bool OpensPkcs12(string path, string? password)
    {
        try
        {
            foreach (var certificate in X509CertificateLoader.LoadPkcs12CollectionFromFile(path, password))
            {
                certificate.Dispose();
            }

            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
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
