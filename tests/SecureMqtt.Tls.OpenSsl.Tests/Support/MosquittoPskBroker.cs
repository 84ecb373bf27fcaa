using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Tls.OpenSsl.Tests.Support;

/// <summary>A real Mosquitto with a TLS-PSK listener and a plain MQTT listener, configured in a temp directory.</summary>
public sealed class MosquittoPskBroker : IAsyncLifetime
{
    public const string Identity = "device-1";
    public const string HexKey = "6f1e0c2a9b8d7e4f30a1b2c3d4e5f607";

    private ExternalProcess? _process;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "psk-mosquitto-" + Guid.NewGuid().ToString("N"));

    public int PskPort { get; private set; }

    public int PlainPort { get; private set; }

    /// <summary>A certificate-only TLS listener (no PSK), to see what a PSK client makes of one.</summary>
    public int CertificatePort { get; private set; }

    public ExternalProcess Process => _process ?? throw new InvalidOperationException("Broker not started.");

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        PskPort = Net.FreePort();
        PlainPort = Net.FreePort();
        CertificatePort = Net.FreePort();
        var (certFile, keyFile) = await WriteSelfSignedCertificateAsync();
        var pskFile = Path.Combine(Directory, "psk");
        await File.WriteAllTextAsync(pskFile, $"{Identity}:{HexKey}\nother:00112233445566778899aabbccddeeff\n");
        var config = $"""
            per_listener_settings true
            {(Environment.UserName == "root" ? "user root" : string.Empty)}
            log_dest stderr
            log_dest file {Path.Combine(Directory, "mosquitto.log")}
            log_type all

            listener {PskPort} 127.0.0.1
            psk_hint hint
            psk_file {pskFile}
            allow_anonymous true

            listener {PlainPort} 127.0.0.1
            allow_anonymous true

            listener {CertificatePort} 127.0.0.1
            certfile {certFile}
            keyfile {keyFile}
            allow_anonymous true

            """;
        var configFile = Path.Combine(Directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configFile, config);
        _process = ExternalProcess.Start("/usr/sbin/mosquitto", ["-c", configFile], Directory);

        // Logged after every listener is bound.
        await _process.WaitForLineAsync("running", TimeSpan.FromSeconds(10));
    }

    private async Task<(string CertFile, string KeyFile)> WriteSelfSignedCertificateAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certFile = Path.Combine(Directory, "server.crt");
        var keyFile = Path.Combine(Directory, "server.key");
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
