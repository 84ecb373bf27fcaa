using System.Diagnostics;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SecureMqtt.Testing;
using SecureMqtt.Tls;
using SecureMqtt.Transport;
using Xunit.Abstractions;

namespace SecureMqtt.IntegrationTests.Tls;

/// <summary>
/// A reconnect to a server the client reached before resumes the TLS session instead of a full handshake, with
/// and without a client certificate, under TLS 1.2 (session id) and 1.3 (ticket): asked of openssl s_server itself,
/// whose -www status page says "Reused" or "New" for the connection it answers. The transport is built as the client
/// builds it: the first connection to a server not resumable, later ones resumable.
/// </summary>
public sealed class TlsResumptionTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("-tls1_3", false)]
    [InlineData("-tls1_2", false)]
    [InlineData("-tls1_3", true)]
    [InlineData("-tls1_2", true)]
    public async Task A_second_connection_to_the_same_server_resumes_the_TLS_session(string version, bool clientCertificate)
    {
        await using var lab = new TlsLab();
        var server = lab.Server("server");
        var client = lab.Write("client", lab.Ca.IssueClientCertificate("device-resume"));
        var port = FreePort.Next();
        using var sServer = Process.Start(new ProcessStartInfo("openssl",
            ["s_server", "-accept", $"{port}", "-cert", server.Cert, "-key", server.Key, "-CAfile", lab.CaPath, "-www", version, .. clientCertificate ? new[] { "-Verify", "1" } : []])
        { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true })!;
        try
        {
            var options = new MqttTlsOptions { CaFile = lab.CaPath, ClientCertificateFile = clientCertificate ? client.Cert : null, ClientKeyFile = clientCertificate ? client.Key : null };
            var pages = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                pages.Add(await StatusPageAsync(options, port, resumable: i > 0));
            }

            var verdicts = pages.Select(p => p.Contains("\nReused, ", StringComparison.Ordinal) ? "Reused" : p.Contains("\nNew, ", StringComparison.Ordinal) ? "New" : "?").ToList();
            output.WriteLine($"{version} client certificate {clientCertificate}: {string.Join(", ", verdicts)}");
            // With a client certificate .NET can cache the first session already. Without one, the first connection
            // carries the certificate-selection callback that diagnoses "the broker wants a client certificate", and
            // a session made with a callback is not cached: the first reconnect is a full handshake, later ones resume.
            Assert.Equal(clientCertificate ? ["New", "Reused", "Reused"] : ["New", "New", "Reused"], verdicts);
        }
        finally
        {
            sServer.Kill();
        }
    }

    /// <summary>
    /// The same question asked of Mosquitto, which prints nothing about sessions: a relay records each connection's
    /// hellos and <see cref="TlsHellos"/> reads whether the client offered a session and the broker took it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Mosquitto_resumes_the_TLS_1_3_session_of_an_MqttClient_reconnecting(bool clientCertificate)
    {
        await using var lab = new TlsLab();
        var client = lab.Write("client", lab.Ca.IssueClientCertificate("device-resume"));
        var port = await lab.StartMosquittoAsync(lab.Server("server"), l => l with { RequireCertificate = clientCertificate, TlsVersion = "tlsv1.3" });
        await using var relay = await FaultProxy.StartAsync("127.0.0.1", port, seed: 17);
        relay.RecordOpenings = 4096;
        var tls = new MqttTlsOptions
        {
            CaFile = lab.CaPath,
            TargetHost = "localhost",
            ClientCertificateFile = clientCertificate ? client.Cert : null,
            ClientKeyFile = clientCertificate ? client.Key : null,
        };
        await using var mqtt = new MqttClient(TlsLab.Options(relay.Port, tls));
        for (var i = 0; i < 3; i++)
        {
            await mqtt.ConnectAsync();
            // A TLS 1.3 ticket arrives after the handshake; a publish round trip makes sure the client has read it.
            Assert.True((await mqtt.PublishAsync(Broker.UniqueTopic("resume"), "x"u8.ToArray(), Packets.MqttQualityOfService.AtLeastOnce)).IsSuccess);
            await mqtt.DisconnectAsync();
        }

        var verdicts = relay.Openings.Select(TlsHellos.Read).ToList();
        output.WriteLine($"Mosquitto, client certificate {clientCertificate}: {string.Join(", ", verdicts)}");
        Assert.Equal(3, verdicts.Count);
        Assert.All(verdicts, v => Assert.True(v.Tls13));
        Assert.False(verdicts[0].Offered);
        // As against s_server: without a client certificate the first reconnect still carries the selection callback.
        Assert.Equal(clientCertificate ? [false, true, true] : [false, false, true], verdicts.Select(v => v.Resumed));
    }

    /// <summary>
    /// .NET keeps TLS sessions per process, not per client: a second MqttClient with the same options (one client
    /// certificate, one target host) resumes the session the broker gave the first. Realistic for one application's
    /// reconnecting clients, wrong for a bench that stands for separate devices; AllowSessionResumption = false makes
    /// every connect a full handshake, with no session even offered.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Clients_sharing_options_resume_one_anothers_TLS_session_unless_resumption_is_off(bool allowResumption)
    {
        await using var lab = new TlsLab();
        var client = lab.Write("client", lab.Ca.IssueClientCertificate("device-shared"));
        var port = await lab.StartMosquittoAsync(lab.Server("server"), l => l with { RequireCertificate = true, TlsVersion = "tlsv1.3" });
        await using var relay = await FaultProxy.StartAsync("127.0.0.1", port, seed: 23);
        relay.RecordOpenings = 4096;
        var options = TlsLab.Options(relay.Port, new MqttTlsOptions
        {
            CaFile = lab.CaPath,
            TargetHost = "localhost",
            ClientCertificateFile = client.Cert,
            ClientKeyFile = client.Key,
            AllowSessionResumption = allowResumption,
        });
        for (var i = 0; i < 3; i++)
        {
            await using var mqtt = new MqttClient(options with { ClientId = $"shared-{allowResumption}-{i}" });
            await mqtt.ConnectAsync();
            Assert.True((await mqtt.PublishAsync(Broker.UniqueTopic("shared"), "x"u8.ToArray(), Packets.MqttQualityOfService.AtLeastOnce)).IsSuccess);
            await mqtt.DisconnectAsync();
        }

        var verdicts = relay.Openings.Select(TlsHellos.Read).ToList();
        output.WriteLine($"AllowSessionResumption {allowResumption}: {string.Join(", ", verdicts)}");
        Assert.Equal(3, verdicts.Count);
        Assert.Equal(allowResumption ? [false, true, true] : [false, false, false], verdicts.Select(v => v.Offered));
        Assert.Equal(allowResumption ? [false, true, true] : [false, false, false], verdicts.Select(v => v.Resumed));
    }

    private static async Task<string> StatusPageAsync(MqttTlsOptions options, int port, bool resumable)
    {
        using var timeout = new CancellationTokenSource(TlsLab.Wait);
        ConnectedTransport? connected = null;
        for (var attempt = 0; connected is null; attempt++)
        {
            try
            {
                connected = await new TlsTransport(new TcpTransport("127.0.0.1", port), options with { TargetHost = "localhost" }, "127.0.0.1", port, NullLogger.Instance, TimeProvider.System, resumable)
                    .ConnectAsync(timeout.Token);
            }
            catch (MqttConnectionLostException) when (attempt < 50)
            {
                // s_server is still starting.
                await Task.Delay(100, timeout.Token);
            }
        }

        await using var stream = connected.Stream;
        await stream.WriteAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync(timeout.Token);
    }
}
