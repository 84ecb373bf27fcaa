using System.Globalization;
using System.Text;

namespace SecureMqtt.Testing;

/// <summary>
/// A real tinyproxy (HTTP CONNECT proxy) on a free loopback port, with its configuration in a temporary directory.
/// Disposing it kills the process and deletes the directory.
/// </summary>
public sealed class TinyproxyServer : IAsyncDisposable
{
    private readonly LoopbackDaemon _daemon;

    private TinyproxyServer(LoopbackDaemon daemon, string workDirectory, int port)
    {
        _daemon = daemon;
        WorkDirectory = workDirectory;
        Port = port;
    }

    /// <summary>The port the proxy listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The directory holding tinyproxy.conf.</summary>
    public string WorkDirectory { get; }

    /// <summary>What tinyproxy printed (it logs to stdout in the foreground).</summary>
    public string Output => _daemon.Output;

    /// <summary>Starts tinyproxy.</summary>
    /// <param name="connectPorts">The only target ports CONNECT may reach (tinyproxy's ConnectPort); empty: any port.</param>
    /// <param name="basicAuth">A user name and password the proxy demands (BasicAuth), or null for none.</param>
    public static async Task<TinyproxyServer> StartAsync(IEnumerable<int> connectPorts, (string User, string Password)? basicAuth = null)
    {
        var executable = LoopbackDaemon.FindExecutable("tinyproxy", "tinyproxy");
        var workDirectory = Directory.CreateTempSubdirectory("tinyproxy-").FullName;
        var port = FreePort.Next();
        var config = new StringBuilder()
            .Append("# Written by SecureMqtt.Testing.TinyproxyServer\n")
            .Append(CultureInfo.InvariantCulture, $"Port {port}\n")
            .Append("Listen 127.0.0.1\n")
            .Append("Timeout 30\n")
            .Append("LogLevel Info\n")
            .Append(CultureInfo.InvariantCulture, $"PidFile \"{Path.Combine(workDirectory, "tinyproxy.pid")}\"\n")
            .Append("MaxClients 50\n")
            .Append("Allow 127.0.0.1\n")
            .Append("DisableViaHeader Yes\n");
        foreach (var allowed in connectPorts)
        {
            config.Append(CultureInfo.InvariantCulture, $"ConnectPort {allowed}\n");
        }

        if (basicAuth is { } auth)
        {
            config.Append(CultureInfo.InvariantCulture, $"BasicAuth {auth.User} {auth.Password}\n");
        }

        var configPath = Path.Combine(workDirectory, "tinyproxy.conf");
        await File.WriteAllTextAsync(configPath, config.ToString());
        try
        {
            var daemon = await LoopbackDaemon.StartAsync(executable, ["-d", "-c", configPath], "Accepting connections", port, TimeSpan.FromSeconds(10));
            return new TinyproxyServer(daemon, workDirectory, port);
        }
        catch
        {
            Directory.Delete(workDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>Kills tinyproxy and deletes its directory.</summary>
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
