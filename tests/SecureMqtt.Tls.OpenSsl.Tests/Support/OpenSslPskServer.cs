namespace SecureMqtt.Tls.OpenSsl.Tests.Support;

/// <summary>`openssl s_server` as a TLS-PSK peer without a certificate: what it receives appears on its stdout, what we write to its stdin it sends.</summary>
public sealed class OpenSslPskServer : IAsyncDisposable
{
    private readonly ExternalProcess _process;

    private OpenSslPskServer(ExternalProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public ExternalProcess Process => _process;

    public static async Task<OpenSslPskServer> StartAsync(string hexKey, string identity, string versionFlag)
    {
        var port = Net.FreePort();
        var process = ExternalProcess.Start("openssl", ["s_server", "-psk", hexKey, "-psk_identity", identity, "-nocert", versionFlag, "-accept", $"127.0.0.1:{port}"]);
        var server = new OpenSslPskServer(process, port);
        try
        {
            // s_server prints ACCEPT once its socket listens.
            await process.WaitForLineAsync("ACCEPT", TimeSpan.FromSeconds(10));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
