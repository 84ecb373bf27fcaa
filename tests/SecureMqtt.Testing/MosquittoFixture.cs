using System.Net;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Pki;
using Xunit;

namespace SecureMqtt.Testing;

/// <summary>
/// One Mosquitto per test collection with a fresh PKI: a plain listener, a TLS listener (server
/// authentication only) and a mutual-TLS listener (client certificate required), all on free loopback ports.
/// Use it with <c>[Collection(MosquittoFixture.CollectionName)]</c>; the test assembly must declare the
/// collection (xunit v2 only finds <c>[CollectionDefinition]</c> there).
/// </summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    /// <summary>The xunit collection name for tests sharing this broker.</summary>
    public const string CollectionName = "mosquitto";

    /// <summary>CN of <see cref="ClientCertificatePath"/>.</summary>
    public const string ClientName = "device-1";

    private MosquittoBroker? _broker;
    private CertificateAuthority? _authority;

    /// <summary>The broker's address: 127.0.0.1.</summary>
    public string Host => "127.0.0.1";

    /// <summary>Plain MQTT over TCP, anonymous.</summary>
    public int PlainPort { get; private set; }

    /// <summary>MQTT over TLS, server authentication only, anonymous.</summary>
    public int TlsPort { get; private set; }

    /// <summary>MQTT over mutual TLS: a client certificate signed by <see cref="Authority"/> is required.</summary>
    public int MutualTlsPort { get; private set; }

    /// <summary>Directory holding the generated certificates and keys (and the broker's work directory below it).</summary>
    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("mosquitto-fixture-").FullName;

    /// <summary>The CA certificate (PEM) that signed the broker and client certificates.</summary>
    public string CaCertificatePath => Path.Combine(WorkDirectory, "ca.crt");

    /// <summary>The broker certificate (PEM): DNS localhost, IP 127.0.0.1 and ::1.</summary>
    public string ServerCertificatePath => Path.Combine(WorkDirectory, "server.crt");

    /// <summary>The broker key (unencrypted PKCS#8 PEM).</summary>
    public string ServerKeyPath => Path.Combine(WorkDirectory, "server.key");

    /// <summary>A client certificate (PEM) with CN <see cref="ClientName"/>, EKU clientAuth.</summary>
    public string ClientCertificatePath => Path.Combine(WorkDirectory, "client.crt");

    /// <summary>The client key (unencrypted PKCS#8 PEM).</summary>
    public string ClientKeyPath => Path.Combine(WorkDirectory, "client.key");

    /// <summary>The CA, to issue more certificates in tests (e.g. expired or wrongly named ones).</summary>
    public CertificateAuthority Authority => _authority ?? throw new InvalidOperationException("The fixture has not been initialized.");

    /// <summary>The broker process; <see cref="MosquittoBroker.ReadLog"/> explains a failed connection.</summary>
    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("The fixture has not been initialized.");

    /// <summary>The client certificate with its private key attached, for an <c>SslStream</c> or a client's TLS options.</summary>
    public X509Certificate2 LoadClientCertificate()
    {
        using var certificate = PemReader.ReadCertificate(ClientCertificatePath);
        using var key = PemReader.ReadPrivateKey(ClientKeyPath);
        return PemReader.Attach(certificate, key, ClientCertificatePath, ClientKeyPath);
    }

    /// <summary>The CA certificate, for a custom trust store.</summary>
    public X509Certificate2 LoadCaCertificate() => PemReader.ReadCertificate(CaCertificatePath);

    /// <summary>Creates the PKI and starts the broker.</summary>
    public async Task InitializeAsync()
    {
        _authority = CertificateAuthority.Create("SecureMqtt Test CA");
        using var server = _authority.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback, IPAddress.IPv6Loopback]);
        using var client = _authority.IssueClientCertificate(ClientName);
        PemFiles.WriteAll(
        [
            OutputFile.Text(CaCertificatePath, _authority.CertificatePem),
            OutputFile.Text(ServerCertificatePath, server.CertificatePem),
            OutputFile.Text(ServerKeyPath, server.PrivateKeyPem, isSecret: true),
            OutputFile.Text(ClientCertificatePath, client.CertificatePem),
            OutputFile.Text(ClientKeyPath, client.PrivateKeyPem, isSecret: true),
        ]);

        var ports = FreePort.Next(3);
        (PlainPort, TlsPort, MutualTlsPort) = (ports[0], ports[1], ports[2]);
        var tls = new MosquittoListener
        {
            Port = TlsPort,
            CaFile = CaCertificatePath,
            CertFile = ServerCertificatePath,
            KeyFile = ServerKeyPath,
            TlsVersion = "tlsv1.2",
        };
        _broker = await MosquittoBroker.StartAsync(
            [
                new MosquittoListener { Port = PlainPort },
                tls,
                tls with { Port = MutualTlsPort, RequireCertificate = true },
            ],
            Path.Combine(WorkDirectory, "broker"));
    }

    /// <summary>Stops the broker and deletes <see cref="WorkDirectory"/>.</summary>
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
