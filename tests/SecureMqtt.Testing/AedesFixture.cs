using System.Net;
using SecureMqtt.Pki;
using Xunit;

namespace SecureMqtt.Testing;

/// <summary>
/// One aedes broker per collection, served over ws and wss (a certificate for localhost and 127.0.0.1 from a CA made
/// for this run), and a tinyproxy allowed to CONNECT to its ws port. Nothing starts where aedes is not installed;
/// the tests then skip with <see cref="AedesBroker.MissingReason"/>.
/// </summary>
public sealed class AedesFixture : IAsyncLifetime
{
    /// <summary>The xunit collection name for tests sharing this broker.</summary>
    public const string CollectionName = "aedes";

    private AedesBroker? _broker;
    private TinyproxyServer? _proxy;
    private CertificateAuthority? _authority;

    /// <summary>Directory holding the generated certificates and keys.</summary>
    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("aedes-fixture-").FullName;

    /// <summary>The CA certificate (PEM) that signed the broker's certificate.</summary>
    public string CaCertificatePath => Path.Combine(WorkDirectory, "ca.crt");

    /// <summary>The broker's certificate (PEM), for localhost and 127.0.0.1.</summary>
    public string ServerCertificatePath => Path.Combine(WorkDirectory, "server.crt");

    /// <summary>The broker's key (PEM).</summary>
    public string ServerKeyPath => Path.Combine(WorkDirectory, "server.key");

    /// <summary>A client certificate (PEM) from the same CA, CN device-1.</summary>
    public string ClientCertificatePath => Path.Combine(WorkDirectory, "client.crt");

    /// <summary>The client key (PEM).</summary>
    public string ClientKeyPath => Path.Combine(WorkDirectory, "client.key");

    /// <summary>The broker.</summary>
    public AedesBroker Broker => _broker ?? throw new InvalidOperationException(AedesBroker.MissingReason ?? "Not initialized.");

    /// <summary>A tinyproxy that may CONNECT to the broker's ws and wss ports.</summary>
    public TinyproxyServer Proxy => _proxy ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>Creates the PKI and starts the broker and the proxy (unless aedes is missing).</summary>
    public async Task InitializeAsync()
    {
        if (AedesBroker.MissingReason is not null)
        {
            return;
        }

        _authority = CertificateAuthority.Create("SecureMqtt aedes Test CA");
        using var server = _authority.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback]);
        using var client = _authority.IssueClientCertificate("device-1");
        PemFiles.WriteAll(
        [
            OutputFile.Text(ClientCertificatePath, client.CertificatePem),
            OutputFile.Text(ClientKeyPath, client.PrivateKeyPem, isSecret: true),
            OutputFile.Text(CaCertificatePath, _authority.CertificatePem),
            OutputFile.Text(ServerCertificatePath, server.CertificatePem),
            OutputFile.Text(ServerKeyPath, server.PrivateKeyPem, isSecret: true),
        ]);
        _broker = await AedesBroker.StartAsync(ServerCertificatePath, ServerKeyPath);
        _proxy = await TinyproxyServer.StartAsync([_broker.WebSocketPort, _broker.WebSocketTlsPort]);
    }

    /// <summary>Stops the proxy and the broker and deletes <see cref="WorkDirectory"/>.</summary>
    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _authority?.Dispose();
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

/// <summary>A fact skipped, with the reason printed, where aedes is not installed.</summary>
public sealed class AedesFactAttribute : FactAttribute
{
    /// <summary>Skips the test where aedes is missing.</summary>
    public AedesFactAttribute()
    {
        if (AedesBroker.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory skipped, with the reason printed, where aedes is not installed.</summary>
public sealed class AedesTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips the test where aedes is missing.</summary>
    public AedesTheoryAttribute()
    {
        if (AedesBroker.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}
