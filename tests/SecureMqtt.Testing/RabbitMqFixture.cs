using System.Net;
using SecureMqtt.Pki;
using Xunit;

namespace SecureMqtt.Testing;

/// <summary>
/// One RabbitMQ node per test collection (an Erlang node takes seconds to start) with a fresh PKI: plain MQTT, and
/// one MQTT-over-TLS listener that verifies a client certificate when one is sent (TLS and mutual TLS on one port:
/// RabbitMQ's ssl_options are shared by all its TLS listeners). When RabbitMQ is not installed the fixture starts
/// nothing and <see cref="RabbitMqBroker.MissingReason"/> says why; the tests skip with that reason.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    /// <summary>The xunit collection name for tests sharing this node.</summary>
    public const string CollectionName = "rabbitmq";

    /// <summary>CN of <see cref="ClientCertificatePath"/>.</summary>
    public const string ClientName = "device-1";

    private RabbitMqBroker? _broker;
    private CertificateAuthority? _authority;

    /// <summary>127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>Directory holding the generated certificates and keys.</summary>
    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("rabbitmq-fixture-").FullName;

    /// <summary>The CA certificate (PEM) that signed the broker and client certificates.</summary>
    public string CaCertificatePath => Path.Combine(WorkDirectory, "ca.crt");

    /// <summary>A client certificate (PEM), CN <see cref="ClientName"/>.</summary>
    public string ClientCertificatePath => Path.Combine(WorkDirectory, "client.crt");

    /// <summary>The client key (PEM).</summary>
    public string ClientKeyPath => Path.Combine(WorkDirectory, "client.key");

    /// <summary>The CA, to issue more certificates in tests.</summary>
    public CertificateAuthority Authority => _authority ?? throw new InvalidOperationException("The fixture has not been initialized.");

    /// <summary>The node.</summary>
    public RabbitMqBroker Broker => _broker ?? throw new InvalidOperationException(RabbitMqBroker.MissingReason ?? "The fixture has not been initialized.");

    /// <summary>Creates the PKI and starts the node (unless RabbitMQ is missing).</summary>
    public async Task InitializeAsync()
    {
        if (RabbitMqBroker.MissingReason is not null)
        {
            return;
        }

        _authority = CertificateAuthority.Create("SecureMqtt RabbitMQ Test CA");
        using var server = _authority.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback, IPAddress.IPv6Loopback]);
        using var client = _authority.IssueClientCertificate(ClientName);
        var serverCertificate = Path.Combine(WorkDirectory, "server.crt");
        var serverKey = Path.Combine(WorkDirectory, "server.key");
        PemFiles.WriteAll(
        [
            OutputFile.Text(CaCertificatePath, _authority.CertificatePem),
            OutputFile.Text(serverCertificate, server.CertificatePem),
            OutputFile.Text(serverKey, server.PrivateKeyPem, isSecret: true),
            OutputFile.Text(ClientCertificatePath, client.CertificatePem),
            OutputFile.Text(ClientKeyPath, client.PrivateKeyPem, isSecret: true),
        ]);
        _broker = await RabbitMqBroker.StartAsync(new RabbitMqTls(CaCertificatePath, serverCertificate, serverKey));
    }

    /// <summary>Stops the node and deletes <see cref="WorkDirectory"/>.</summary>
    public async Task DisposeAsync()
    {
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
