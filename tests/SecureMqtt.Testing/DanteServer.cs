using System.Globalization;
using System.Text;

namespace SecureMqtt.Testing;

/// <summary>
/// A real Dante SOCKS5 server (danted) on a free loopback port, with its configuration in a temporary directory.
/// Disposing it kills the process and deletes the directory.
/// </summary>
/// <remarks>
/// Dante's <c>socksmethod: username</c> checks system accounts, so <see cref="RequireUserName"/> needs the account
/// <see cref="TestUserName"/> that <c>scripts/ensure-proxies.sh</c> creates, and danted running as root to read
/// /etc/shadow.
/// </remarks>
public sealed class DanteServer : IAsyncDisposable
{
    /// <summary>The system account scripts/ensure-proxies.sh creates for SOCKS5 user name and password tests.</summary>
    public const string TestUserName = "smqtt-proxy";

    /// <summary>Its password (a test fixture's, guarding nothing: the account has no shell and no home).</summary>
    public const string TestPassword = "smqtt-proxy-test";

    private readonly LoopbackDaemon _daemon;

    private DanteServer(LoopbackDaemon daemon, string workDirectory, int port)
    {
        _daemon = daemon;
        WorkDirectory = workDirectory;
        Port = port;
    }

    /// <summary>The port the proxy listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The directory holding danted.conf.</summary>
    public string WorkDirectory { get; }

    /// <summary>What danted printed (it logs to stderr).</summary>
    public string Output => _daemon.Output;

    /// <summary>Starts danted.</summary>
    /// <param name="requireUserName">True: only RFC 1929 user name and password (system accounts); false: no authentication.</param>
    /// <param name="blockedPorts">Target ports on 127.0.0.1 a "socks block" rule refuses (reply 2, not allowed by ruleset).</param>
    public static async Task<DanteServer> StartAsync(bool requireUserName, IEnumerable<int>? blockedPorts = null)
    {
        var executable = LoopbackDaemon.FindExecutable("danted", "dante-server");
        var workDirectory = Directory.CreateTempSubdirectory("dante-").FullName;
        var port = FreePort.Next();
        var config = new StringBuilder()
            .Append("# Written by SecureMqtt.Testing.DanteServer\n")
            .Append("logoutput: stderr\n")
            .Append(CultureInfo.InvariantCulture, $"internal: 127.0.0.1 port = {port}\n")
            .Append("external: 127.0.0.1\n")
            .Append("clientmethod: none\n")
            .Append(CultureInfo.InvariantCulture, $"socksmethod: {(requireUserName ? "username" : "none")}\n")
            .Append("user.privileged: root\n")
            .Append("user.unprivileged: nobody\n")
            .Append("client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n");
        foreach (var blocked in blockedPorts ?? [])
        {
            config.Append(CultureInfo.InvariantCulture, $"socks block {{ from: 0.0.0.0/0 to: 127.0.0.1/32 port = {blocked} log: error }}\n");
        }

        config.Append("socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 log: error }\n");
        var configPath = Path.Combine(workDirectory, "danted.conf");
        await File.WriteAllTextAsync(configPath, config.ToString());
        try
        {
            var daemon = await LoopbackDaemon.StartAsync(
                executable,
                ["-f", configPath, "-N", "1", "-p", Path.Combine(workDirectory, "danted.pid")],
                " running",
                port,
                TimeSpan.FromSeconds(10));
            return new DanteServer(daemon, workDirectory, port);
        }
        catch
        {
            Directory.Delete(workDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>Kills danted and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _daemon.DisposeAsync();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test run for.
        }
    }
}
