using System.CommandLine;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Certs;

/// <summary>Options shared by the certs subcommands. Each call makes new instances, because an option belongs to one command.</summary>
internal static class CertsOptions
{
    public const string CaCertificateFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    public const string CrlFile = "crl.pem";

    private static readonly Dictionary<string, KeyAlgorithm> KeyTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ec-p256"] = KeyAlgorithm.EcdsaP256,
        ["ec-p384"] = KeyAlgorithm.EcdsaP384,
        ["rsa-2048"] = KeyAlgorithm.Rsa2048,
        ["rsa-3072"] = KeyAlgorithm.Rsa3072,
        ["rsa-4096"] = KeyAlgorithm.Rsa4096,
    };

    public static Option<DirectoryInfo> Directory() => new("--dir", "-d")
    {
        Description = "Directory to read the CA from and write files to",
        DefaultValueFactory = _ => new DirectoryInfo(Environment.CurrentDirectory),
    };

    public static Option<bool> Force() => new("--force", "-f")
    {
        Description = "Replace files that already exist",
    };

    public static Option<string> KeyType() =>
        new Option<string>("--key-type")
        {
            Description = "Key type; EC P-256 is small, fast and supported everywhere",
            DefaultValueFactory = _ => "ec-p256",
        }.AcceptOnlyFromAmong([.. KeyTypes.Keys]);

    public static Option<int> Days(int defaultDays) => new("--days")
    {
        Description = "Validity in days",
        DefaultValueFactory = _ => defaultDays,
    };

    public static Option<FileInfo?> CaCertificate() => new("--ca-cert")
    {
        Description = $"CA certificate (default: {CaCertificateFile} in --dir)",
        HelpName = "file",
    };

    public static Option<FileInfo?> CaKey() => new("--ca-key")
    {
        Description = $"CA private key (default: {CaKeyFile} in --dir)",
        HelpName = "file",
    };

    public static KeyAlgorithm ParseKeyType(string value) => KeyTypes[value];

    /// <summary>Path of <paramref name="option"/>'s file if given, else <paramref name="defaultName"/> in the directory.</summary>
    public static string PathIn(ParseResult parseResult, Option<DirectoryInfo> directory, Option<FileInfo?> option, string defaultName) =>
        parseResult.GetValue(option)?.FullName ?? Path.Combine(parseResult.GetRequiredValue(directory).FullName, defaultName);

    /// <summary>A path relative to the current directory when it is below it, for short messages.</summary>
    public static string Display(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    /// <summary>Checks a device or file name is safe to use as a file name and an MQTT user name.</summary>
    public static string ValidateName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new CliException($"The {what} must not be empty.");
        }

        if (name.IndexOfAny(['/', '\\', '+', '#', '\0']) >= 0 || name.Any(char.IsControl) || name is "." or "..")
        {
            throw new CliException($"'{name}' cannot be used as {what}: it must not contain '/', '\\', '+', '#' or control characters, because it becomes a file name and an MQTT user name.");
        }

        return name;
    }
}
