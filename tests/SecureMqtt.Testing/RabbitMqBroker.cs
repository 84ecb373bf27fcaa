using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace SecureMqtt.Testing;

/// <summary>TLS files for the broker's MQTT-over-TLS listener (PEM, absolute paths).</summary>
/// <param name="CaFile">CA certificates the broker trusts for client certificates.</param>
/// <param name="CertFile">The broker certificate.</param>
/// <param name="KeyFile">The broker key (unencrypted).</param>
/// <param name="RequireClientCertificate">
/// True: refuse clients without a certificate (<c>fail_if_no_peer_cert</c>). False: a certificate is optional, but one
/// that is sent must chain to <paramref name="CaFile"/> (<c>verify_peer</c>), so one listener serves TLS and mutual TLS.
/// </param>
public sealed record RabbitMqTls(string CaFile, string CertFile, string KeyFile, bool RequireClientCertificate = false);

/// <summary>
/// A RabbitMQ node of its own, started as a process with the MQTT and Web MQTT plugins: its own node name, Erlang
/// cookie, database, log and configuration in a temporary directory, and every port (AMQP, MQTT, MQTT over TLS, Web
/// MQTT, Erlang distribution) a free loopback port, so it neither meets the system node apt may start nor another test
/// run's. Disposing it stops the node (rabbitmqctl stop, then kill) and deletes the directory.
/// </summary>
public sealed class RabbitMqBroker : IAsyncDisposable
{
    private const string LibDirectory = "/usr/lib/rabbitmq/bin";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly StringBuilder _stdout;
    private readonly StringBuilder _stderr;

    private RabbitMqBroker(Process process, StringBuilder stdout, StringBuilder stderr, string workDirectory, string nodeName, int[] ports)
    {
        _process = process;
        _stdout = stdout;
        _stderr = stderr;
        WorkDirectory = workDirectory;
        NodeName = nodeName;
        (AmqpPort, MqttPort, MqttTlsPort, WebMqttPort, DistributionPort, WebMqttTlsPort) = (ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);
    }

    /// <summary>The node's Erlang name, e.g. <c>smqtt-1a2b3c4d@localhost</c>.</summary>
    public string NodeName { get; }

    /// <summary>The directory holding rabbitmq.conf, the database, the log and the node's Erlang cookie.</summary>
    public string WorkDirectory { get; }

    /// <summary>AMQP 0-9-1 (unused by the tests, but every node has one).</summary>
    public int AmqpPort { get; }

    /// <summary>Plain MQTT.</summary>
    public int MqttPort { get; }

    /// <summary>MQTT over TLS (0 when started without TLS files).</summary>
    public int MqttTlsPort { get; }

    /// <summary>MQTT over WebSocket (Web MQTT plugin, path <c>/ws</c>).</summary>
    public int WebMqttPort { get; }

    /// <summary>MQTT over WebSocket over TLS (Web MQTT plugin, path <c>/ws</c>, the same TLS files; 0 when started without them).</summary>
    public int WebMqttTlsPort { get; }

    /// <summary>The Erlang distribution port (rabbitmqctl talks to the node through it).</summary>
    public int DistributionPort { get; }

    /// <summary>How long the node took from process start to answering an MQTT CONNECT with CONNACK.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Where the start script is, or null when RabbitMQ is not installed.</summary>
    public static string? ServerPath => File.Exists(Path.Combine(LibDirectory, "rabbitmq-server")) ? Path.Combine(LibDirectory, "rabbitmq-server") : null;

    /// <summary>Why RabbitMQ tests cannot run here, or null when they can.</summary>
    public static string? MissingReason => ServerPath is null
        ? $"RabbitMQ is not installed ({LibDirectory}/rabbitmq-server missing): run scripts/ensure-rabbitmq.sh (apt-get install -y rabbitmq-server)."
        : null;

    /// <summary>Starts a node and returns once its MQTT listener accepts a connection with CONNACK.</summary>
    /// <param name="tls">Files for an MQTT-over-TLS listener, or null for none.</param>
    /// <param name="cancellationToken">Cancels waiting for the node.</param>
    public static Task<RabbitMqBroker> StartAsync(RabbitMqTls? tls = null, CancellationToken cancellationToken = default) =>
        StartAsync(tls, erlangCookie: null, cancellationToken);

    /// <summary>As above, with a given Erlang cookie: nodes that share one can form a cluster (<see cref="RabbitMqCluster"/>).</summary>
    /// <param name="tls">Files for an MQTT-over-TLS listener, or null for none.</param>
    /// <param name="erlangCookie">The cookie, or null for the one Erlang makes up at the node's first start.</param>
    /// <param name="cancellationToken">Cancels waiting for the node.</param>
    public static async Task<RabbitMqBroker> StartAsync(RabbitMqTls? tls, string? erlangCookie, CancellationToken cancellationToken = default)
    {
        var server = ServerPath ?? throw new InvalidOperationException(MissingReason);
        var workDirectory = Directory.CreateTempSubdirectory("rabbitmq-").FullName;
        if (erlangCookie is not null && !OperatingSystem.IsWindows())
        {
            // Erlang refuses a cookie file that others can read.
            var cookiePath = Path.Combine(workDirectory, ".erlang.cookie");
            await File.WriteAllTextAsync(cookiePath, erlangCookie, cancellationToken);
            File.SetUnixFileMode(cookiePath, UnixFileMode.UserRead);
        }

        var nodeName = $"smqtt-{Guid.NewGuid().ToString("N")[..8]}@localhost";
        var ports = FreePort.Next(6);
        var configPath = Path.Combine(workDirectory, "rabbitmq.conf");
        var pluginsPath = Path.Combine(workDirectory, "enabled_plugins");
        await File.WriteAllTextAsync(configPath, Config(ports, tls), cancellationToken);
        await File.WriteAllTextAsync(pluginsPath, "[rabbitmq_mqtt,rabbitmq_web_mqtt].\n", cancellationToken);

        // Started directly, not through /usr/sbin/rabbitmq-server: that wrapper switches to the rabbitmq user, which
        // would drop these variables and could not read the 0600 keys made for the test.
        var startInfo = new ProcessStartInfo(server)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        foreach (var (name, value) in NodeEnvironment(workDirectory, nodeName, ports))
        {
            startInfo.Environment[name] = value;
        }

        startInfo.Environment["RABBITMQ_CONFIG_FILE"] = configPath;
        startInfo.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = pluginsPath;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        var broker = new RabbitMqBroker(process, stdout, stderr, workDirectory, nodeName, [ports[0], ports[1], tls is null ? 0 : ports[2], ports[3], ports[4], tls is null ? 0 : ports[5]]);
        var clock = Stopwatch.StartNew();
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await broker.WaitForConnAckAsync(cancellationToken);
            broker.StartupTime = clock.Elapsed;
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>The node's log file plus what the start script printed.</summary>
    public string ReadLog()
    {
        var logPath = Path.Combine(WorkDirectory, "log", NodeName + ".log");
        var log = File.Exists(logPath) ? ReadShared(logPath) : "(no log file)";
        return $"{log}\n--- stdout ---\n{Read(_stdout)}\n--- stderr ---\n{Read(_stderr)}";
    }

    /// <summary>Stops the node (rabbitmqctl stop, then kill if it lingers) and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test run for.
        }
    }

    /// <summary>Whether the node's process is still running.</summary>
    public bool IsRunning
    {
        get
        {
            try
            {
                return !_process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }

    /// <summary>Stops the node as an operator would (rabbitmqctl stop; killed if it lingers), keeping its directory.</summary>
    public async Task StopAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    await RunCtlAsync(["stop"], TimeSpan.FromSeconds(20));
                }
                catch (TimeoutException)
                {
                    // Killed below.
                }

                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
    }

    /// <summary>Runs <c>rabbitmqctl -n NODE ...</c> against this node (with its cookie).</summary>
    /// <param name="arguments">The command and its arguments, e.g. <c>list_queues</c>.</param>
    /// <param name="timeout">Deadline; default 30 s.</param>
    public Task<ProcessResult> RunCtlAsync(IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        // ProcessRunner has no environment parameter; env(1) sets HOME so the CLI finds this node's cookie.
        string[] command = ["HOME=" + WorkDirectory, Path.Combine(LibDirectory, "rabbitmqctl"), "-n", NodeName, .. arguments];
        return ProcessRunner.RunAsync("env", command, timeout);
    }

    private static IEnumerable<(string Name, string Value)> NodeEnvironment(string workDirectory, string nodeName, int[] ports)
    {
        // HOME holds the Erlang cookie: a fresh one per node, never the system node's.
        yield return ("HOME", workDirectory);
        yield return ("RABBITMQ_NODENAME", nodeName);
        yield return ("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
        yield return ("RABBITMQ_NODE_PORT", ports[0].ToString(CultureInfo.InvariantCulture));
        yield return ("RABBITMQ_DIST_PORT", ports[4].ToString(CultureInfo.InvariantCulture));
        yield return ("RABBITMQ_MNESIA_BASE", Path.Combine(workDirectory, "mnesia"));
        yield return ("RABBITMQ_LOG_BASE", Path.Combine(workDirectory, "log"));
        // Keep the distribution port on loopback too (Erlang binds it to every interface otherwise).
        yield return ("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}");
    }

    private static string Config(int[] ports, RabbitMqTls? tls)
    {
        var config = new StringBuilder()
            .Append("# Written by SecureMqtt.Testing.RabbitMqBroker\n")
            .Append(CultureInfo.InvariantCulture, $"listeners.tcp.default = 127.0.0.1:{ports[0]}\n")
            .Append(CultureInfo.InvariantCulture, $"mqtt.listeners.tcp.default = 127.0.0.1:{ports[1]}\n")
            .Append(CultureInfo.InvariantCulture, $"web_mqtt.tcp.ip = 127.0.0.1\nweb_mqtt.tcp.port = {ports[3]}\n")
            .Append("mqtt.allow_anonymous = true\n")
            // The anonymous MQTT user is guest, which RabbitMQ lets in from localhost only unless loopback_users is cleared.
            .Append("loopback_users = none\n")
            .Append("log.file.level = info\n");
        if (tls is not null)
        {
            config
                .Append(CultureInfo.InvariantCulture, $"mqtt.listeners.ssl.default = 127.0.0.1:{ports[2]}\n")
                .Append(CultureInfo.InvariantCulture, $"ssl_options.cacertfile = {tls.CaFile}\n")
                .Append(CultureInfo.InvariantCulture, $"ssl_options.certfile = {tls.CertFile}\n")
                .Append(CultureInfo.InvariantCulture, $"ssl_options.keyfile = {tls.KeyFile}\n")
                .Append("ssl_options.verify = verify_peer\n")
                .Append(CultureInfo.InvariantCulture, $"ssl_options.fail_if_no_peer_cert = {(tls.RequireClientCertificate ? "true" : "false")}\n")
                .Append("ssl_options.versions.1 = tlsv1.3\nssl_options.versions.2 = tlsv1.2\n")
                // Web MQTT's TLS listener has settings of its own (it is served by the HTTP server, not the MQTT one).
                .Append(CultureInfo.InvariantCulture, $"web_mqtt.ssl.ip = 127.0.0.1\nweb_mqtt.ssl.port = {ports[5]}\n")
                .Append(CultureInfo.InvariantCulture, $"web_mqtt.ssl.cacertfile = {tls.CaFile}\n")
                .Append(CultureInfo.InvariantCulture, $"web_mqtt.ssl.certfile = {tls.CertFile}\n")
                .Append(CultureInfo.InvariantCulture, $"web_mqtt.ssl.keyfile = {tls.KeyFile}\n");
        }

        return config.ToString();
    }

    /// <summary>
    /// Waits until the node's MQTT listener answers CONNECT with CONNACK (after a start, or after the node was made to
    /// join a cluster). An open port is not enough: the MQTT plugin starts after the core.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task WaitForConnAckAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        try
        {
            while (!await AnswersConnectAsync(MqttPort, timeout.Token))
            {
                if (_process.HasExited)
                {
                    await _process.WaitForExitAsync(CancellationToken.None);
                    throw new InvalidOperationException($"rabbitmq-server exited with code {_process.ExitCode} while starting.\n{ReadLog()}");
                }

                await Task.Delay(100, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"RabbitMQ did not answer MQTT on port {MqttPort} within {StartTimeout.TotalSeconds} s.\n{ReadLog()}");
        }
    }

    private static async Task<bool> AnswersConnectAsync(int port, CancellationToken cancellationToken)
    {
        // MQTT 3.1.1 CONNECT, clean session, keep-alive 10 s, client id "ready" (section 3.1).
        byte[] connect = [0x10, 17, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 10, 0, 5, (byte)'r', (byte)'e', (byte)'a', (byte)'d', (byte)'y'];
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync(connect, cancellationToken);
            var connAck = new byte[4];
            using var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            answer.CancelAfter(TimeSpan.FromSeconds(5));
            await stream.ReadExactlyAsync(connAck, answer.Token);
            return connAck is [0x20, 2, _, 0];
        }
        catch (Exception ex) when (ex is SocketException or IOException or EndOfStreamException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is not null)
        {
            lock (target)
            {
                target.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
