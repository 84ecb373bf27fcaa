using System.Text;
using System.Text.Json;
using SecureMqtt.Cli.Common;
using SecureMqtt.Cli.Doctor;
using SecureMqtt.Pki;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests.Doctor;

/// <summary>smqtt doctor against the fixture's real Mosquitto: a healthy setup passes every step; each broken one fails exactly at the step that is broken.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class DoctorTests(MosquittoFixture broker) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smqtt-doctor-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Healthy_mutual_TLS_broker_passes_every_step()
    {
        var (code, json) = await DoctorJsonAsync("-h", "localhost", "-p", Port(broker.MutualTlsPort), "--cafile", broker.CaCertificatePath,
            "--cert", broker.ClientCertificatePath, "--key", broker.ClientKeyPath);

        Assert.Equal(0, code);
        Assert.True(json.GetProperty("ok").GetBoolean());
        var steps = json.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["tcp", "tls-config", "client-hello", "server-chain", "chain-verification", "hostname", "negotiated", "client-certificate", "mqtt-connect"],
            steps.Select(s => s.GetProperty("id").GetString()));
        Assert.All(steps, s => Assert.Equal("ok", s.GetProperty("status").GetString()));
        Assert.Contains(steps[3].GetProperty("details").EnumerateArray(), d => d.GetString()!.StartsWith("[0] CN=localhost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_CA_fails_at_chain_verification()
    {
        using var other = CertificateAuthority.Create("Doctor Other CA");
        var caPath = Path.Combine(_dir.FullName, "other.crt");
        await File.WriteAllTextAsync(caPath, other.CertificatePem);

        var (code, json) = await DoctorJsonAsync("-h", "localhost", "-p", Port(broker.TlsPort), "--cafile", caPath);

        Assert.Equal(1, code);
        AssertFailedAt(json, "chain-verification", "UntrustedIssuer");
    }

    [Fact]
    public async Task Wrong_host_name_fails_at_the_host_name_check()
    {
        using var server = broker.Authority.IssueServerCertificate("broker.example", ["broker.example"], []);
        var cert = Path.Combine(_dir.FullName, "server.crt");
        var key = Path.Combine(_dir.FullName, "server.key");
        await File.WriteAllTextAsync(cert, server.CertificatePem);
        await File.WriteAllTextAsync(key, server.PrivateKeyPem);
        await using var other = await MosquittoBroker.StartAsync([new MosquittoListener { Port = FreePort.Next(), CaFile = broker.CaCertificatePath, CertFile = cert, KeyFile = key }]);

        var (code, json) = await DoctorJsonAsync("-h", "127.0.0.1", "-p", Port(other.Ports[0]), "--cafile", broker.CaCertificatePath);

        Assert.Equal(1, code);
        AssertFailedAt(json, "hostname", "HostnameMismatch");
    }

    [Fact]
    public async Task Missing_client_certificate_fails_at_the_client_certificate_step()
    {
        var (code, json) = await DoctorJsonAsync("-h", "localhost", "-p", Port(broker.MutualTlsPort), "--cafile", broker.CaCertificatePath);

        Assert.Equal(1, code);
        AssertFailedAt(json, "client-certificate", "ClientCertificateRequired");
    }

    [Fact]
    public async Task Text_output_marks_each_step_and_names_reason_and_fix()
    {
        var (code, text) = await DoctorAsync("-h", "localhost", "-p", Port(broker.PlainPort), "--cafile", broker.CaCertificatePath);

        Assert.Equal(1, code);
        Assert.StartsWith($"smqtt doctor: localhost:{broker.PlainPort} (TLS, MQTT 3.1.1)\n|-- [  OK  ] 1. TCP connect\n", text, StringComparison.Ordinal);
        Assert.Contains("\n|-- [FAILED] 3. Client hello / server hello\n", text, StringComparison.Ordinal);
        Assert.Contains("\n|   |-- reason: ", text, StringComparison.Ordinal);
        Assert.Contains("\n|   `-- fix: Use the broker's TLS port", text, StringComparison.Ordinal);
        Assert.Contains("\n`-- [  --  ] 9. MQTT CONNECT / CONNACK: not reached\n", text, StringComparison.Ordinal);
        Assert.Contains("\nResult: FAILED at step 3 (Client hello / server hello, ", text, StringComparison.Ordinal);
        // Redirected (a memory stream here): no colour and no box-drawing characters for grep to trip over.
        Assert.DoesNotContain('\u001b', text);
        Assert.All(text, c => Assert.True(c < 0x80, $"U+{(int)c:X4} is not ASCII"));
    }

    [Fact]
    public async Task Closed_port_fails_at_TCP_connect()
    {
        var (code, json) = await DoctorJsonAsync("-h", "127.0.0.1", "-p", Port(FreePort.Next()), "--cafile", broker.CaCertificatePath);

        Assert.Equal(1, code);
        AssertFailedAt(json, "tcp", "ConnectionRefused");
    }

    [Fact]
    public async Task TLS_PSK_broker_passes_with_the_certificate_steps_skipped_and_names_the_negotiated_suite()
    {
        var pskFile = Path.Combine(_dir.FullName, "psk.txt");
        await File.WriteAllTextAsync(pskFile, "doctor-device:00112233445566778899aabbccddeeff\n");
        await using var psk = await MosquittoBroker.StartAsync([new MosquittoListener { Port = FreePort.Next(), PskHint = "doctor", PskFile = pskFile }]);

        var (code, json) = await DoctorJsonAsync("-h", "127.0.0.1", "-p", Port(psk.Ports[0]), "--psk", "00112233445566778899aabbccddeeff", "--psk-identity", "doctor-device");

        Assert.Equal(0, code);
        var steps = json.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s);
        Assert.Equal("skipped", steps["chain-verification"].GetProperty("status").GetString());
        Assert.Equal("ok", steps["mqtt-connect"].GetProperty("status").GetString());
        var negotiated = steps["negotiated"].GetProperty("details").EnumerateArray().Select(d => d.GetString()).ToList();
        Assert.Contains("version: TLS 1.3", negotiated);
        Assert.Contains(negotiated, d => d!.StartsWith("cipher suite: TLS_", StringComparison.Ordinal));
        Assert.Contains("key exchange: pre-shared key with (EC)DHE (forward secret)", negotiated);
    }

    private static void AssertFailedAt(JsonElement json, string stepId, string kind)
    {
        Assert.False(json.GetProperty("ok").GetBoolean());
        Assert.Equal(stepId, json.GetProperty("failedStep").GetString());
        var steps = json.GetProperty("steps").EnumerateArray().ToList();
        var failed = Assert.Single(steps, s => s.GetProperty("status").GetString() == "failed");
        Assert.Equal(stepId, failed.GetProperty("id").GetString());
        Assert.Equal(kind, failed.GetProperty("kind").GetString());
        Assert.False(string.IsNullOrEmpty(failed.GetProperty("fix").GetString()));
        var index = steps.IndexOf(failed);
        Assert.All(steps.Take(index), s => Assert.Contains(s.GetProperty("status").GetString(), new[] { "ok", "skipped" }));
        Assert.All(steps.Skip(index + 1), s => Assert.Contains(s.GetProperty("status").GetString(), new[] { "not-reached", "skipped" }));
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<(int Code, JsonElement Json)> DoctorJsonAsync(params string[] args)
    {
        var (code, text) = await DoctorAsync([.. args, "--json", "--timeout", "5"]);
        using var document = JsonDocument.Parse(text);
        return (code, document.RootElement.Clone());
    }

    private static async Task<(int Code, string Output)> DoctorAsync(params string[] args)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        var streams = new CliStreams(output, error, new MemoryStream(), inputIsTerminal: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await DoctorCommand.RunAsync(args, streams, timeout.Token);
        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.True(error.ToString().Length == 0, error.ToString());
        return (code, text);
    }
}
