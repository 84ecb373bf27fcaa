using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SecureMqtt.Cli.Demo;

/// <summary>A throw-away Mosquitto with one mutual-TLS listener on a free loopback port, killed on dispose.</summary>
internal sealed class DemoBroker : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DemoBroker(Process process, string executable, int port, string logPath)
    {
        _process = process;
        Executable = executable;
        Port = port;
        LogPath = logPath;
    }

    public string Executable { get; }

    public int Port { get; }

    public string LogPath { get; }

    public int ProcessId => _process.Id;

    /// <summary>mosquitto on PATH, else /usr/sbin/mosquitto (Debian puts it outside a normal user's PATH).</summary>
    public static string FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Select(dir => Path.Combine(dir, "mosquitto"))
            .FirstOrDefault(File.Exists)
        ?? throw new CliException("mosquitto is not installed (looked on PATH and in /usr/sbin): install it with 'sudo apt-get install -y mosquitto', or pass --host/--port with --cafile/--cert/--key to use a running broker.");

    public static async Task<DemoBroker> StartAsync(string directory, DemoPki pki, CancellationToken cancellationToken)
    {
        var executable = FindExecutable();
        var port = FreeLoopbackPort();
        var logPath = Path.Combine(directory, "mosquitto.log");
        var config = new StringBuilder()
            .Append("# smqtt demo: one listener, TLS with a client certificate required\n")
            .Append("persistence false\n")
            .Append(CultureInfo.InvariantCulture, $"log_dest file {logPath}\n")
            .Append("log_type error\nlog_type warning\nlog_type notice\nlog_type information\n")
            .Append("connection_messages true\n");
        if (Environment.UserName == "root")
        {
            // As root Mosquitto switches to user 'mosquitto', which could not read the 0600 keys in our directory.
            config.Append("user root\n");
        }

        config.Append(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1\n")
            .Append(CultureInfo.InvariantCulture, $"cafile {pki.CaCertificatePath}\n")
            .Append(CultureInfo.InvariantCulture, $"certfile {pki.BrokerCertificatePath}\n")
            .Append(CultureInfo.InvariantCulture, $"keyfile {pki.BrokerKeyPath}\n")
            .Append("require_certificate true\n")
            .Append("use_identity_as_username true\n")
            .Append("allow_anonymous false\n");
        var configPath = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configPath, config.ToString(), cancellationToken).ConfigureAwait(false);

        var process = new Process
        {
            StartInfo = new ProcessStartInfo(executable)
            {
                ArgumentList = { "-c", configPath },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            },
        };
        var broker = new DemoBroker(process, executable, port, logPath);
        process.OutputDataReceived += (_, e) => broker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => broker.Append(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await broker.WaitUntilListeningAsync(cancellationToken).ConfigureAwait(false);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new CliException($"mosquitto exited at start-up (code {_process.ExitCode}): {LastWords()}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                // Not listening yet: the broker reads its certificates before it opens the port.
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                throw new CliException($"mosquitto did not open port {Port} within 10 s: {LastWords()}");
            }
        }
    }

    private string LastWords()
    {
        string text;
        lock (_output)
        {
            text = _output.ToString();
        }

        if (File.Exists(LogPath))
        {
            text += File.ReadAllText(LogPath);
        }

        var last = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return last ?? "no output";
    }
}
