namespace SecureMqtt.Testing;

/// <summary>
/// A real DNS resolver for the SRV tests: dnsmasq in the foreground on 127.0.0.1 and a free port, answering only
/// the SRV records it is given (no upstream, no /etc/hosts), killed on dispose. Names are under ".test", for which
/// it answers as the local authority (NXDOMAIN for a name it has no record of, as a real zone would, rather than
/// REFUSED for lack of an upstream). scripts/ensure-dnsmasq.sh installs it.
/// </summary>
public sealed class DnsmasqServer : IAsyncDisposable
{
    private readonly LoopbackDaemon _daemon;

    private DnsmasqServer(LoopbackDaemon daemon, int port)
    {
        _daemon = daemon;
        Port = port;
    }

    public int Port { get; }

    /// <summary>"127.0.0.1:port", the form SMQTT_DNS_SERVER takes.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Starts dnsmasq serving <paramref name="records"/>: (SRV name, target host, port, priority, weight).</summary>
    public static async Task<DnsmasqServer> StartAsync(params (string Name, string Target, int Port, int Priority, int Weight)[] records)
    {
        var executable = LoopbackDaemon.FindExecutable("dnsmasq", "dnsmasq-base");
        var port = FreePort.Next();
        string[] arguments =
        [
            "--keep-in-foreground", "--log-facility=-", "--conf-file=/dev/null", "--pid-file=", "--no-resolv", "--no-hosts", "--local=/test/",
            "--bind-interfaces", "--listen-address=127.0.0.1", $"--port={port}", "--user=" + (Environment.UserName == "root" ? "root" : Environment.UserName),
            .. records.Select(r => $"--srv-host={r.Name},{r.Target},{r.Port},{r.Priority},{r.Weight}"),
        ];
        var daemon = await LoopbackDaemon.StartAsync(executable, arguments, "started, version", port, TimeSpan.FromSeconds(10));
        return new DnsmasqServer(daemon, port);
    }

    public ValueTask DisposeAsync() => _daemon.DisposeAsync();
}
