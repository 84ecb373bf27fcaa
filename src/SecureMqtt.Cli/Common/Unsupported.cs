namespace SecureMqtt.Cli.Common;

internal sealed partial class ClientArguments
{
    /// <summary>mosquitto options SecureMqtt knows but cannot honour, with the reason (also listed in docs/cli.md).</summary>
    public static readonly IReadOnlyDictionary<string, string> UnsupportedOptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["-A"] = "the SecureMqtt client has no option to bind the local address",
        ["--unix"] = "the SecureMqtt client connects over TCP only (no Unix domain sockets)",
        ["--ciphers"] = "the SecureMqtt client offers no cipher suite setting (.NET negotiates the system's secure defaults)",
        ["--tls-engine"] = "OpenSSL engines are not available through .NET's SslStream",
        ["--tls-engine-kpass-sha1"] = "OpenSSL engines are not available through .NET's SslStream",
        ["-o"] = "options files are not read; put the options on the command line",
    };

    private bool RejectUnsupported(string option)
    {
        if (UnsupportedOptions.TryGetValue(option, out var reason))
        {
            throw new UsageException($"{option} is not supported because {reason}.");
        }

        return false;
    }
}
