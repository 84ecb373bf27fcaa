using System.Net;
using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.WebSocket;

/// <summary>
/// One aedes broker per collection, served over ws and wss (a certificate for localhost and 127.0.0.1 from a CA made
/// for this run), and a tinyproxy allowed to CONNECT to its ws port. Nothing starts where aedes is not installed;
/// the tests then skip with <see cref="AedesBroker.MissingReason"/>.
/// </summary>
public sealed class AedesFixture : IAsyncLifetime
{
    public const string CollectionName = "aedes";

    private AedesBroker? _broker;
    private TinyproxyServer? _proxy;
    private CertificateAuthority? _authority;

    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("aedes-fixture-").FullName;

    public string CaCertificatePath => Path.Combine(WorkDirectory, "ca.crt");

    public string ServerCertificatePath => Path.Combine(WorkDirectory, "server.crt");

    public string ServerKeyPath => Path.Combine(WorkDirectory, "server.key");

    public AedesBroker Broker => _broker ?? throw new InvalidOperationException(AedesBroker.MissingReason ?? "Not initialized.");

    public TinyproxyServer Proxy => _proxy ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        if (AedesBroker.MissingReason is not null)
        {
            return;
        }

        _authority = CertificateAuthority.Create("SecureMqtt aedes Test CA");
        using var server = _authority.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback]);
        PemFiles.WriteAll(
        [
            OutputFile.Text(CaCertificatePath, _authority.CertificatePem),
            OutputFile.Text(ServerCertificatePath, server.CertificatePem),
            OutputFile.Text(ServerKeyPath, server.PrivateKeyPem, isSecret: true),
        ]);
        _broker = await AedesBroker.StartAsync(ServerCertificatePath, ServerKeyPath);
        _proxy = await TinyproxyServer.StartAsync([_broker.WebSocketPort, _broker.WebSocketTlsPort]);
    }

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

/// <summary>Tests in this collection share one aedes broker; xunit v2 needs the definition in the test assembly.</summary>
[CollectionDefinition(AedesFixture.CollectionName)]
public sealed class AedesCollection : ICollectionFixture<AedesFixture>;

/// <summary>A fact skipped, with the reason printed, where aedes is not installed.</summary>
public sealed class AedesFactAttribute : FactAttribute
{
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
    public AedesTheoryAttribute()
    {
        if (AedesBroker.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}
