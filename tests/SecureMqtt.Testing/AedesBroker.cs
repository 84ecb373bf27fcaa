using System.Globalization;

namespace SecureMqtt.Testing;

/// <summary>
/// The npm broker aedes (MQTT 3.1.1) served over WebSocket by tests/aedes/server.mjs under node: a plain ws listener
/// and, with certificate files, a wss one, both on free loopback ports with the WebSocket path <see cref="Path"/>
/// (any other path is answered 404). Disposing it kills the process. scripts/ensure-aedes.sh installs node and the
/// packages; <see cref="MissingReason"/> says when they are missing.
/// </summary>
public sealed class AedesBroker : IAsyncDisposable
{
    private readonly LoopbackDaemon _daemon;

    private AedesBroker(LoopbackDaemon daemon, int webSocketPort, int webSocketTlsPort)
    {
        _daemon = daemon;
        WebSocketPort = webSocketPort;
        WebSocketTlsPort = webSocketTlsPort;
    }

    /// <summary>The WebSocket path the broker serves MQTT on.</summary>
    public const string Path = "/mqtt";

    /// <summary>The ws listener (127.0.0.1).</summary>
    public int WebSocketPort { get; }

    /// <summary>The wss listener (127.0.0.1), or 0 when started without certificate files.</summary>
    public int WebSocketTlsPort { get; }

    /// <summary>What node printed.</summary>
    public string Output => _daemon.Output;

    /// <summary>tests/aedes, found from the test assembly's directory upwards.</summary>
    public static string? Directory { get; } = FindDirectory();

    /// <summary>Why aedes cannot run here, or null when it can.</summary>
    public static string? MissingReason =>
        Directory is null ? "tests/aedes/server.mjs was not found above the test assembly's directory."
        : !File.Exists(System.IO.Path.Combine(Directory, "node_modules", "aedes", "package.json")) || FindNode() is null
            ? "aedes is not installed: run scripts/ensure-aedes.sh (node, npm, then npm ci in tests/aedes)."
            : null;

    /// <summary>Starts the broker.</summary>
    /// <param name="certificateFile">The server certificate (PEM) for a wss listener, or null for ws only.</param>
    /// <param name="keyFile">Its key (PEM).</param>
    /// <param name="selectSubprotocol">False: accept upgrades without selecting the subprotocol mqtt (a misconfigured server).</param>
    /// <param name="clientCaFile">A CA (PEM): the wss listener then requires a client certificate it issued (mutual TLS).</param>
    public static async Task<AedesBroker> StartAsync(string? certificateFile = null, string? keyFile = null, bool selectSubprotocol = true, string? clientCaFile = null)
    {
        if (MissingReason is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        var ports = FreePort.Next(2);
        List<string> arguments = [System.IO.Path.Combine(Directory!, "server.mjs"), "--ws-port", ports[0].ToString(CultureInfo.InvariantCulture), "--path", Path];
        if (certificateFile is not null)
        {
            arguments.AddRange(["--wss-port", ports[1].ToString(CultureInfo.InvariantCulture), "--cert", certificateFile, "--key", keyFile!]);
        }

        if (clientCaFile is not null)
        {
            arguments.AddRange(["--client-ca", clientCaFile]);
        }

        if (!selectSubprotocol)
        {
            arguments.Add("--no-subprotocol");
        }

        var daemon = await LoopbackDaemon.StartAsync(FindNode()!, arguments, "aedes ready", ports[0], TimeSpan.FromSeconds(20));
        return new AedesBroker(daemon, ports[0], certificateFile is null ? 0 : ports[1]);
    }

    /// <summary>Kills the node process.</summary>
    public ValueTask DisposeAsync() => _daemon.DisposeAsync();

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Select(dir => System.IO.Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);

    private static string? FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "aedes");
            if (File.Exists(System.IO.Path.Combine(candidate, "server.mjs")))
            {
                return candidate;
            }
        }

        return null;
    }
}
