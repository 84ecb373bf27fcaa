using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;
using SecureMqtt.Pki;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SecureMqtt.Cli.Demo;

/// <summary>Runs the demo's steps in order and prints each as it completes; cleans up whatever it started.</summary>
internal static class DemoRunner
{
    public static async Task<int> RunAsync(DemoSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (settings.Host is null && (settings.Port ?? (object?)settings.CaFile ?? settings.CertFile ?? settings.KeyFile) is not null)
        {
            throw new CliException("--port, --cafile, --cert and --key describe an existing broker: give its --host too, or none of them to start a local one.");
        }

        var style = ConsoleStyle.ForOutput(output);
        string? directory = null;
        DemoBroker? broker = null;
        var step = "start";
        try
        {
            Target target;
            if (settings.Host is null)
            {
                directory = Directory.CreateTempSubdirectory("smqtt-demo-").FullName;
                step = "making certificates";
                var pki = DemoPki.Create(directory);
                PrintCertificates(output, style, pki);
                step = "starting Mosquitto";
                broker = await DemoBroker.StartAsync(directory, pki, cancellationToken).ConfigureAwait(false);
                Print(output, style, "2.", $"Broker started: {broker.Executable} (pid {broker.ProcessId}), mutual-TLS listener on 127.0.0.1:{broker.Port} (require_certificate true)");
                target = new Target("127.0.0.1", broker.Port, "localhost", pki.CaCertificatePath, pki.DeviceCertificatePath, pki.DeviceKeyPath);
            }
            else
            {
                Print(output, style, "1.", "Certificates: using the given files (no local CA made)");
                Print(output, style, "2.", $"Broker: using the running broker at {settings.Host}:{settings.Port ?? 8883}");
                target = new Target(settings.Host, settings.Port ?? 8883, null, settings.CaFile, settings.CertFile, settings.KeyFile);
            }

            step = "TCP connect";
            var tcpTime = await ProbeTcpAsync(target, cancellationToken).ConfigureAwait(false);
            Print(output, style, "3.", $"TCP connected to {target.Host}:{target.Port} in {Ms(tcpTime)}");

            step = "TLS and MQTT connect";
            var client = new MqttClient(target.ToOptions(settings));
            await using var clientScope = client.ConfigureAwait(false);
            var connectTime = Stopwatch.StartNew();
            var connAck = await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            connectTime.Stop();
            PrintTls(output, style, client.TlsInfo!, target);
            Print(output, style, "5.", $"MQTT CONNECT/CONNACK: MQTT {Version(client.Options.ProtocolVersion)}, reason code {(byte)connAck.ReasonCode} ({Reason(connAck.ReasonCode)}), client id '{client.ClientId}', session present {(connAck.SessionPresent ? "yes" : "no")} (TCP+TLS+CONNECT took {Ms(connectTime.Elapsed)})");

            step = "subscribe";
            var received = new TaskCompletionSource<MqttMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            var subAck = await client.SubscribeAsync(settings.Topic, MqttQualityOfService.AtLeastOnce, (m, _) =>
            {
                received.TrySetResult(m);
                return ValueTask.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            if (!subAck.IsSuccess)
            {
                throw new CliException($"the broker refused the subscription to {settings.Topic}: {subAck.Items[0].ReasonCode}");
            }

            Print(output, style, "6.", $"Subscribed to '{settings.Topic}': {subAck.Items[0].ReasonCode}");

            step = "publish";
            var roundTrip = Stopwatch.StartNew();
            var puback = await client.PublishAsync(settings.Topic, Encoding.UTF8.GetBytes(settings.Message), MqttQualityOfService.AtLeastOnce, cancellationToken: cancellationToken).ConfigureAwait(false);
            Print(output, style, "7.", $"Published \"{settings.Message}\" at QoS 1: PUBACK {Reason(puback.ReasonCode)} after {Ms(roundTrip.Elapsed)}");

            step = "receive";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var message = await received.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            roundTrip.Stop();
            Print(output, style, "8.", $"Received \"{Encoding.UTF8.GetString(message.Payload.Span)}\" on '{message.Topic}' (QoS {(int)message.QualityOfService}): round trip {Ms(roundTrip.Elapsed)}");

            step = "disconnect";
            await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await output.WriteAsync(style.Render(new Text("Done: the message went through the broker and back over mutual TLS.\n", style.Paint(Color.Green, Decoration.Bold)))).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (step == "receive" && !cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("smqtt: demo failed: the published message did not come back within 10 s.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is MqttException or SocketException or IOException)
        {
            await error.WriteLineAsync($"smqtt: demo failed at {step}: {ex.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        finally
        {
            if (broker is not null)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }

            if (directory is not null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>
    /// One step as it completes: its number and what happened, and below it (as a tree, ASCII guides when redirected)
    /// the facts behind it. Each step is written at once, so a slow step shows where the demo is.
    /// </summary>
    private static void Print(TextWriter output, ConsoleStyle style, string number, string title, params IRenderable[] details)
    {
        var tree = new Tree(new Paragraph().Append(number, style.Paint(Color.Aqua, Decoration.Bold)).Append(" " + title)) { Guide = style.Guide };
        foreach (var detail in details)
        {
            tree.AddNode(detail);
        }

        output.Write(style.Render(tree));
        output.Flush();
    }

    private static void PrintCertificates(TextWriter output, ConsoleStyle style, DemoPki pki)
    {
        var made = pki.Made.Select(m =>
        {
            var (role, d) = m;
            var names = d.SubjectAlternativeNames.Count > 0 ? $", names {string.Join(" ", d.SubjectAlternativeNames)}" : string.Empty;
            var issuer = d.IsSelfIssued ? "self-signed" : $"issued by {d.Issuer}";
            return (IRenderable)new Paragraph().Append($"{role,-7}", style.Bold).Append($" {d.Subject} ({d.KeyType}, {issuer}{names}, valid until {Date(d.NotAfter)})");
        });
        Print(output, style, "1.", $"Certificates made in {pki.Directory}:", [.. made]);
    }

    private static void PrintTls(TextWriter output, ConsoleStyle style, MqttTlsInfo tls, Target target)
    {
        var title = $"TLS handshake done: {TlsVersion(tls.Protocol)}, cipher suite {tls.CipherSuiteName}";
        if (tls.ServerCertificate is null)
        {
            Print(output, style, "4.", title, new Text($"TLS-PSK: both sides proved they hold the key of identity '{tls.PreSharedKeyIdentity}'; no certificates"));
            return;
        }

        var server = CertificateDetails.From(tls.ServerCertificate);
        var details = new List<IRenderable> { new Text($"server certificate: subject {server.Subject}, issuer {server.Issuer}, valid {Date(server.NotBefore)} to {Date(server.NotAfter)}") };
        var trust = target.CaFile is null ? "the operating system's trust store" : $"our CA ({target.CaFile})";
        details.Add(tls.ServerCertificateVerified
            ? new Text($"chain verified against {trust}; host name '{tls.TargetHost}' matches the certificate", style.Paint(Color.Green))
            : new Text("WARNING: the server certificate was NOT verified", style.Paint(Color.Red, Decoration.Bold)));
        if (target.CertFile is not null)
        {
            using var device = PemReader.ReadCertificate(target.CertFile);
            details.Add(new Text($"client certificate {device.Subject} sent and accepted by the broker"));
        }

        Print(output, style, "4.", title, [.. details]);
    }

    private static async Task<TimeSpan> ProbeTcpAsync(Target target, CancellationToken cancellationToken)
    {
        // A separate bare TCP connection, so the TCP step is timed and reported on its own before TLS starts.
        var watch = Stopwatch.StartNew();
        using var tcp = new TcpClient { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await tcp.ConnectAsync(target.Host, target.Port, timeout.Token).ConfigureAwait(false);
        return watch.Elapsed;
    }

    // 0x00 has several names in MQTT 5 (Success, NormalDisconnection, GrantedQoS0); in these replies it means Success.
    private static string Reason(MqttReasonCode code) => code == 0 ? "Success" : code.ToString();

    private static string Ms(TimeSpan time) => string.Create(CultureInfo.InvariantCulture, $"{time.TotalMilliseconds:0.0} ms");

    private static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Version(MqttProtocolVersion version) => version == MqttProtocolVersion.V500 ? "5.0" : "3.1.1";

    private static string TlsVersion(System.Security.Authentication.SslProtocols protocol) => protocol switch
    {
        System.Security.Authentication.SslProtocols.Tls13 => "TLS 1.3",
        System.Security.Authentication.SslProtocols.Tls12 => "TLS 1.2",
        _ => protocol.ToString(),
    };

    private static string EncryptedKeyPassphrase(string keyFile) =>
        Environment.GetEnvironmentVariable(KeyPassphrase.EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new CliException($"{keyFile} is encrypted: put its passphrase in {KeyPassphrase.EnvironmentVariable}.");

    private sealed record Target(string Host, int Port, string? TargetHost, string? CaFile, string? CertFile, string? KeyFile)
    {
        public MqttClientOptions ToOptions(DemoSettings settings) => new()
        {
            Host = Host,
            Port = Port,
            ProtocolVersion = MqttProtocolVersion.V500,
            ClientId = $"smqtt-demo-{Environment.ProcessId}",
            Tls = new MqttTlsOptions
            {
                CaFile = CaFile,
                TargetHost = TargetHost,
                ClientCertificateFile = CertFile,
                ClientKeyFile = KeyFile,
                ClientKeyPassphrase = KeyFile is not null && PemReader.IsEncryptedPrivateKey(KeyFile) ? EncryptedKeyPassphrase(KeyFile) : null,
            },
        };
    }
}
