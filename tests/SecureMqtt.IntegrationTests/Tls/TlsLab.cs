using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Packets;
using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>
/// A per-test workbench for the TLS failure matrix: a fresh CA, files in a temp directory, and real servers
/// (Mosquitto, or openssl s_server for certificates Mosquitto refuses to load) started with the certificates a
/// case needs. Everything is torn down on dispose.
/// </summary>
internal sealed class TlsLab : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smqtt-tls-lab-");
    private readonly List<IAsyncDisposable> _servers = [];

    public TlsLab()
    {
        Ca = CertificateAuthority.Create("TLS Lab CA " + Guid.NewGuid().ToString("N")[..6]);
        CaPath = Write("ca.crt", Ca.CertificatePem);
    }

    public CertificateAuthority Ca { get; }

    public string CaPath { get; }

    public string Write(string name, string content)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    public (string Cert, string Key) Write(string name, IssuedCertificate issued) =>
        (Write(name + ".crt", issued.CertificatePem), Write(name + ".key", issued.PrivateKeyPem));

    /// <summary>A server certificate for 127.0.0.1 and localhost from the lab CA, with the given deviations.</summary>
    public (string Cert, string Key) Server(string name, CertificateOptions? options = null, string[]? dnsNames = null, IPAddress[]? ips = null)
    {
        using var issued = Ca.IssueServerCertificate(dnsNames?.FirstOrDefault() ?? "localhost", dnsNames ?? ["localhost"], ips ?? [IPAddress.Loopback], options);
        return Write(name, issued);
    }

    public async Task<int> StartMosquittoAsync((string Cert, string Key) server, Func<MosquittoListener, MosquittoListener>? configure = null)
    {
        var listener = new MosquittoListener { Port = FreePort.Next(), CaFile = CaPath, CertFile = server.Cert, KeyFile = server.Key };
        var broker = await MosquittoBroker.StartAsync([configure is null ? listener : configure(listener)]);
        _servers.Add(broker);
        return broker.Ports[0];
    }

    public async Task<int> StartMosquittoAsync(MosquittoListener listener)
    {
        var broker = await MosquittoBroker.StartAsync([listener]);
        _servers.Add(broker);
        return broker.Ports[0];
    }

    /// <summary>openssl s_server on a free port, ready once it prints ACCEPT.</summary>
    public async Task<int> StartOpenSslServerAsync(params string[] arguments)
    {
        var port = FreePort.Next();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ProcessRunner.Start("openssl", ["s_server", "-accept", $"127.0.0.1:{port}", "-naccept", "10", .. arguments], out var stdout, out var stderr, line =>
        {
            if (line.Contains("ACCEPT", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        });
        var server = new ProcessHandle(process);
        _servers.Add(server);
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(Wait)) != ready.Task)
        {
            throw new InvalidOperationException($"openssl s_server did not start:\n{stdout}\n{stderr}");
        }

        return port;
    }

    public static MqttClientOptions Options(int port, MqttTlsOptions? tls, MqttProtocolVersion version = MqttProtocolVersion.V500) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ProtocolVersion = version,
        ClientId = "tls-" + Guid.NewGuid().ToString("N")[..12],
        Tls = tls,
        ConnectTimeout = Wait,
    };

    public static async Task<MqttTlsException> ConnectFailsAsync(MqttClientOptions options)
    {
        await using var client = new MqttClient(options);
        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
        Assert.False(client.IsConnected);
        return error;
    }

    /// <summary>An RSA CA and leaf made directly with CertificateRequest, for weak algorithms the PKI library never produces.</summary>
    public (string CaPath, string Cert, string Key) WeakChain(int leafRsaBits, HashAlgorithmName leafSignature)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Weak Lab CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var leafKey = RSA.Create(leafRsaBits);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddDnsName("localhost");
        sans.AddIpAddress(IPAddress.Loopback);
        leafRequest.CertificateExtensions.Add(sans.Build());
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(CertificateOptions.ServerAuthOid)], false));
        var generator = leafSignature == HashAlgorithmName.SHA1 ? new Sha1RsaSignatureGenerator(caKey) : X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1);
        using var leaf = leafRequest.Create(ca.SubjectName, generator, now.AddDays(-1), now.AddDays(10), [1, 2, 3, 4, 5, 6, 7, 8]);
        return (Write("weak-ca.crt", ca.ExportCertificatePem() + "\n"), Write("weak.crt", leaf.ExportCertificatePem() + "\n"), Write("weak.key", leafKey.ExportPkcs8PrivateKeyPem() + "\n"));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        Ca.Dispose();
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test for.
        }
    }

    /// <summary>CertificateRequest refuses SHA-1; this generator signs with it anyway, as old CAs did.</summary>
    private sealed class Sha1RsaSignatureGenerator(RSA key) : X509SignatureGenerator
    {
        // AlgorithmIdentifier { sha1WithRSAEncryption (1.2.840.113549.1.1.5), NULL }
        private static readonly byte[] Sha1WithRsa = [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05, 0x05, 0x00];

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => Sha1WithRsa;

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

        protected override PublicKey BuildPublicKey() => X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1).PublicKey;
    }

    private sealed class ProcessHandle(Process process) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }
}
