using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>
/// The weak-crypto policy against openssl s_server (Mosquitto refuses to load such certificates): .NET alone would
/// accept them; the client refuses them unless AllowWeakServerCertificates is set.
/// </summary>
public sealed class WeakCryptoTests : IAsyncLifetime
{
    private readonly TlsLab _lab = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _lab.DisposeAsync().AsTask();

    [Fact]
    public async Task Server_certificate_signed_with_SHA1_is_refused_as_weak()
    {
        var (ca, cert, key) = _lab.WeakChain(2048, HashAlgorithmName.SHA1);
        var port = await _lab.StartOpenSslServerAsync("-cert", cert, "-key", key, "-cipher", "DEFAULT@SECLEVEL=0", "-www");

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = ca }));

        Assert.Equal(MqttTlsFailureKind.WeakServerCertificate, error.Kind);
        Assert.Contains("SHA-1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_certificate_with_a_1024_bit_RSA_key_is_refused_as_weak()
    {
        var (ca, cert, key) = _lab.WeakChain(1024, HashAlgorithmName.SHA256);
        var port = await _lab.StartOpenSslServerAsync("-cert", cert, "-key", key, "-cipher", "DEFAULT@SECLEVEL=0", "-www");

        var error = await TlsLab.ConnectFailsAsync(TlsLab.Options(port, new MqttTlsOptions { CaFile = ca }));

        Assert.Equal(MqttTlsFailureKind.WeakServerCertificate, error.Kind);
        Assert.Contains("1024-bit RSA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowWeakServerCertificates_lets_the_handshake_through_and_logs_a_warning()
    {
        var (ca, cert, key) = _lab.WeakChain(1024, HashAlgorithmName.SHA1);
        var port = await _lab.StartOpenSslServerAsync("-cert", cert, "-key", key, "-cipher", "DEFAULT@SECLEVEL=0", "-www");
        var logs = new CapturingLoggerProvider();
        await using var client = new MqttClient(TlsLab.Options(port, new MqttTlsOptions { CaFile = ca, AllowWeakServerCertificates = true }) with { LoggerFactory = logs, ConnectTimeout = TimeSpan.FromSeconds(2) });

        // s_server -www speaks HTTP, not MQTT: getting past TLS to an MQTT-level failure proves the certificate was accepted.
        var error = await Assert.ThrowsAnyAsync<MqttException>(() => client.ConnectAsync());

        Assert.IsNotType<MqttTlsException>(error);
        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Id.Id == 100);
        Assert.Contains("SHA-1", warning.Message, StringComparison.Ordinal);
        Assert.Contains("1024-bit RSA", warning.Message, StringComparison.Ordinal);
    }
}
