using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Proxies;

/// <summary>
/// A Mosquitto (plain listener) and the proxies in front of it, all real processes on free loopback ports: tinyproxy
/// open and with Basic authentication (CONNECT allowed to the broker's port only), and Dante without authentication
/// (with a port it blocks) and with user name authentication.
/// </summary>
public sealed class ProxyLab : IAsyncLifetime
{
    public const string CollectionName = "proxies";
    public const string HttpUser = "tunnel-user";
    public const string HttpPassword = "tunnel-pass";

    private MosquittoBroker? _broker;
    private TinyproxyServer? _http;
    private TinyproxyServer? _httpWithAuth;
    private DanteServer? _socks;
    private DanteServer? _socksWithAuth;

    public int BrokerPort { get; private set; }

    /// <summary>A loopback port nobody listens on, which the proxies may reach (the "target down" case).</summary>
    public int ClosedPort { get; private set; }

    /// <summary>A loopback port Dante's rules block and tinyproxy's ConnectPort does not allow.</summary>
    public int ForbiddenPort { get; private set; }

    public TinyproxyServer Http => _http ?? throw new InvalidOperationException("Not initialized.");

    public TinyproxyServer HttpWithAuth => _httpWithAuth ?? throw new InvalidOperationException("Not initialized.");

    public DanteServer Socks => _socks ?? throw new InvalidOperationException("Not initialized.");

    public DanteServer SocksWithAuth => _socksWithAuth ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        var ports = FreePort.Next(3);
        (BrokerPort, ClosedPort, ForbiddenPort) = (ports[0], ports[1], ports[2]);
        var broker = MosquittoBroker.StartAsync([new MosquittoListener { Port = BrokerPort }]);
        var http = TinyproxyServer.StartAsync([BrokerPort, ClosedPort]);
        var httpWithAuth = TinyproxyServer.StartAsync([BrokerPort], (HttpUser, HttpPassword));
        var socks = DanteServer.StartAsync(requireUserName: false, blockedPorts: [ForbiddenPort]);
        var socksWithAuth = DanteServer.StartAsync(requireUserName: true);
        try
        {
            await Task.WhenAll(broker, http, httpWithAuth, socks, socksWithAuth);
        }
        finally
        {
            // Keep whatever started, so DisposeAsync stops it even when another one failed.
            _broker = broker.IsCompletedSuccessfully ? broker.Result : null;
            _http = http.IsCompletedSuccessfully ? http.Result : null;
            _httpWithAuth = httpWithAuth.IsCompletedSuccessfully ? httpWithAuth.Result : null;
            _socks = socks.IsCompletedSuccessfully ? socks.Result : null;
            _socksWithAuth = socksWithAuth.IsCompletedSuccessfully ? socksWithAuth.Result : null;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var disposable in new IAsyncDisposable?[] { _http, _httpWithAuth, _socks, _socksWithAuth, _broker })
        {
            if (disposable is not null)
            {
                await disposable.DisposeAsync();
            }
        }
    }
}

[CollectionDefinition(ProxyLab.CollectionName)]
public sealed class ProxyCollection : ICollectionFixture<ProxyLab>;
