using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SecureMqtt.Pki;

namespace SecureMqtt.Benchmarks.EndToEnd;

/// <summary>
/// A Mosquitto started for the bench on free loopback ports (plain and TLS), with queue limits lifted so a fast
/// publisher is limited by the broker's speed rather than by messages being dropped. Disposing kills it.
/// </summary>
internal sealed class BenchBroker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly ConcurrentQueue<string> _subscribeLines = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private BenchBroker(Process process, string directory, int plainPort, int tlsPort, string caFile)
    {
        _process = process;
        _directory = directory;
        Plain = new BenchEndpoint("127.0.0.1", plainPort, null);
        Tls = new BenchEndpoint("127.0.0.1", tlsPort, caFile);
    }

    public BenchEndpoint Plain { get; }

    public BenchEndpoint Tls { get; }

    public int ProcessId => _process.Id;

    public static string ExecutablePath =>
        new[] { "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("mosquitto is not installed: apt-get install -y mosquitto mosquitto-clients");

    public static async Task<BenchBroker> StartAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("smqtt-bench-").FullName;
        var ca = Path.Combine(directory, "ca.pem");
        var cert = Path.Combine(directory, "server.pem");
        var key = Path.Combine(directory, "server.key");
        using (var authority = CertificateAuthority.Create("SecureMqtt Bench CA"))
        using (var server = authority.IssueServerCertificate("localhost", ["localhost"], [IPAddress.Loopback]))
        {
            PemFiles.WriteAll(
            [
                OutputFile.Text(ca, authority.CertificatePem),
                OutputFile.Text(cert, server.CertificatePem),
                OutputFile.Text(key, server.PrivateKeyPem, isSecret: true),
            ]);
        }

        var (plainPort, tlsPort) = FreePorts();
        // max_queued_messages 0 and max_inflight_messages 0 lift the per-client limits (1000 queued, 20 in
        // flight by default) beyond which Mosquitto silently drops messages for a subscriber that lags for a
        // moment; the bench wants every message delivered and the broker's own speed to set the pace.
        // Logging only subscriptions: the bench waits for mosquitto_sub's SUBSCRIBE in the log, and a busier log
        // would cost the broker time per message. stderr, because Mosquitto's stdout is block-buffered into a pipe.
        var config = $"""
            persistence false
            log_dest stderr
            log_type error
            log_type warning
            log_type subscribe
            connection_messages false
            max_queued_messages 0
            max_inflight_messages 0
            {(Environment.UserName == "root" ? "user root" : string.Empty)}

            listener {plainPort} 127.0.0.1
            allow_anonymous true

            listener {tlsPort} 127.0.0.1
            allow_anonymous true
            certfile {cert}
            keyfile {key}
            """;
        var configPath = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configPath, config, cancellationToken);

        var process = new Process
        {
            StartInfo = new ProcessStartInfo(ExecutablePath)
            {
                ArgumentList = { "-c", configPath },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        var broker = new BenchBroker(process, directory, plainPort, tlsPort, ca);
        // Ctrl-C or SIGTERM ends the bench without reaching DisposeAsync; the broker must not outlive it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => broker.KillQuietly(deleteFiles: true);
        Console.CancelKeyPress += (_, _) => broker.KillQuietly(deleteFiles: true);
        process.OutputDataReceived += (_, e) => broker.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => broker.OnLine(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await WaitListeningAsync(process, plainPort, cancellationToken);
            await WaitListeningAsync(process, tlsPort, cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the broker logs a subscription by the given client id (Mosquitto: "id qos filter").</summary>
    public async Task WaitForSubscriptionAsync(string clientId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            if (_subscribeLines.Any(l => l.Contains(clientId + " ", StringComparison.Ordinal)))
            {
                return;
            }

            await _lineArrived.WaitAsync(cts.Token);
        }
    }

    private void KillQuietly(bool deleteFiles)
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(2000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or ObjectDisposedException)
        {
            // Never started, already gone, or already disposed.
        }

        try
        {
            // The work directory holds the broker's private key (bench-only, but no reason to leave it behind).
            if (deleteFiles && Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort while the process exits.
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _subscribeLines.Enqueue(line);
        _lineArrived.Release();
    }

    private static (int Plain, int Tls) FreePorts()
    {
        using var a = new TcpListener(IPAddress.Loopback, 0);
        using var b = new TcpListener(IPAddress.Loopback, 0);
        a.Start();
        b.Start();
        var ports = (((IPEndPoint)a.LocalEndpoint).Port, ((IPEndPoint)b.LocalEndpoint).Port);
        a.Stop();
        b.Stop();
        return ports;
    }

    private static async Task WaitListeningAsync(Process process, int port, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with code {process.ExitCode}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        throw new TimeoutException($"mosquitto did not listen on {port} within 10 s");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        finally
        {
            _process.Dispose();
            _lineArrived.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}

/// <summary>Where and how to connect; <see cref="CaFile"/> non-null means TLS.</summary>
internal sealed record BenchEndpoint(string Host, int Port, string? CaFile)
{
    public bool IsTls => CaFile is not null;

    public string Name => IsTls ? "tls" : "tcp";

    public MqttClientOptions ClientOptions(string clientId) => new()
    {
        Host = Host,
        Port = Port,
        ClientId = clientId,
        Tls = CaFile is null ? null : new MqttTlsOptions { CaFile = CaFile },
        // The bench pipelines thousands of messages; the default bounds are for applications, not for measuring.
        IncomingMessageChannelCapacity = 65536,
        KeepAlive = TimeSpan.FromSeconds(60),
    };

    /// <summary>Connection arguments for mosquitto_pub/mosquitto_sub.</summary>
    public IEnumerable<string> CClientArguments()
    {
        yield return "-h";
        yield return Host;
        yield return "-p";
        yield return Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (CaFile is not null)
        {
            yield return "--cafile";
            yield return CaFile;
        }
    }
}
