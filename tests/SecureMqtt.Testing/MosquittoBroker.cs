using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace SecureMqtt.Testing;

/// <summary>
/// A real Mosquitto process with its own configuration, log and work directory, listening on loopback
/// ports chosen by the test. Disposing it kills the process and deletes the work directory.
/// </summary>
public sealed partial class MosquittoBroker : IAsyncDisposable
{
    private const int SigHup = 1;
    private const int SigTerm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    // Replaced by RestartAsync: one process per run of the broker, the same configuration and work directory.
    private Process _process;
    private readonly StringBuilder _output = new();
    private readonly bool _ownsWorkDirectory;

    private MosquittoBroker(Process process, string workDirectory, bool ownsWorkDirectory, IReadOnlyList<int> ports)
    {
        _process = process;
        WorkDirectory = workDirectory;
        _ownsWorkDirectory = ownsWorkDirectory;
        Ports = ports;
    }

    /// <summary>The directory holding mosquitto.conf and mosquitto.log.</summary>
    public string WorkDirectory { get; }

    /// <summary>The configuration file the broker was started with.</summary>
    public string ConfigPath => Path.Combine(WorkDirectory, "mosquitto.conf");

    /// <summary>The broker's log file (log_type all).</summary>
    public string LogPath => Path.Combine(WorkDirectory, "mosquitto.log");

    /// <summary>The ports the broker listens on.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>The broker's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Path of the mosquitto executable: on PATH, else /usr/sbin/mosquitto (where Debian puts it, outside a normal user's PATH).</summary>
    public static string ExecutablePath =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Select(dir => Path.Combine(dir, "mosquitto"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("mosquitto is not installed: apt-get install -y mosquitto mosquitto-clients");

    /// <summary>Starts a broker with the given listeners (per_listener_settings true, so each has its own authentication).</summary>
    /// <param name="listeners">The listeners; at least one.</param>
    /// <param name="workDirectory">Directory for config and log; null: a fresh temporary directory, deleted on dispose.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker to come up.</param>
    public static Task<MosquittoBroker> StartAsync(
        IEnumerable<MosquittoListener> listeners,
        string? workDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var list = listeners.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("At least one listener is needed.", nameof(listeners));
        }

        var body = "per_listener_settings true\n\n" + string.Join('\n', list.Select(l => l.ToConfig()));
        return StartAsync(body, list.Select(l => l.Port), workDirectory, cancellationToken);
    }

    /// <summary>
    /// Starts a broker from a configuration body (listener blocks and any other settings) written after the
    /// fixture's own header (persistence off, logging to <see cref="LogPath"/>, <c>user root</c> when running as root).
    /// </summary>
    /// <param name="configBody">The configuration after the header.</param>
    /// <param name="ports">The ports the body opens; the broker is ready when all accept connections.</param>
    /// <param name="workDirectory">Directory for config and log; null: a fresh temporary directory, deleted on dispose.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker to come up.</param>
    public static async Task<MosquittoBroker> StartAsync(
        string configBody,
        IEnumerable<int> ports,
        string? workDirectory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configBody);
        var owns = workDirectory is null;
        workDirectory ??= Directory.CreateTempSubdirectory("mosquitto-").FullName;
        Directory.CreateDirectory(workDirectory);
        var logPath = Path.Combine(workDirectory, "mosquitto.log");
        var header = new StringBuilder()
            .Append("# Written by SecureMqtt.Testing.MosquittoBroker\n")
            .Append("persistence false\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"log_dest file {logPath}\n")
            .Append("log_type all\n")
            .Append("connection_messages true\n");
        if (Environment.UserName == "root")
        {
            // Started as root, Mosquitto drops to user 'mosquitto', which cannot read the 0600 keys made for the test.
            header.Append("user root\n");
        }

        var configPath = Path.Combine(workDirectory, "mosquitto.conf");
        await File.WriteAllTextAsync(configPath, header + "\n" + configBody, cancellationToken);

        var broker = new MosquittoBroker(NewProcess(configPath, workDirectory), workDirectory, owns, [.. ports]);
        try
        {
            broker.Launch();
            await broker.WaitUntilListeningAsync(0, cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>The log file plus anything the process printed (configuration errors appear there before logging starts).</summary>
    public string ReadLog()
    {
        var log = File.Exists(LogPath) ? File.ReadAllText(LogPath) : "(no log file)";
        lock (_output)
        {
            return _output.Length == 0 ? log : log + "\n--- stdout/stderr ---\n" + _output;
        }
    }

    /// <summary>
    /// Sends SIGHUP, which makes Mosquitto re-read its configuration, ACL and password files and reload
    /// certificates and CRLs, and waits until the log shows the reload.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        var before = CountReloads();
        if (Kill(_process.Id, SigHup) != 0)
        {
            throw new InvalidOperationException($"kill(SIGHUP) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        try
        {
            while (CountReloads() <= before)
            {
                ThrowIfExited("while reloading");
                await Task.Delay(20, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Mosquitto did not log a reload within {StartTimeout.TotalSeconds} s.\n{ReadLog()}");
        }
    }

    /// <summary>
    /// Stops the broker with SIGTERM, as a service manager would, and waits for it to exit. Mosquitto closes its
    /// clients' connections and, with <c>persistence true</c>, writes its database on the way out, so sessions
    /// and queued messages survive into <see cref="RestartAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for the exit.</param>
    public async Task TerminateAsync(CancellationToken cancellationToken = default)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (Kill(_process.Id, SigTerm) != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill(SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Mosquitto did not exit within {StopTimeout.TotalSeconds} s of SIGTERM.\n{ReadLog()}");
        }
    }

    /// <summary>Kills the broker with SIGKILL, as a crash or a power cut would: nothing is saved, connections just end.</summary>
    /// <returns>A task that completes when the process is gone.</returns>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Starts the broker again after <see cref="TerminateAsync"/> or <see cref="KillAsync"/>, with the same configuration,
    /// work directory (and so persistence database) and ports, and waits until it listens again.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the broker to come up.</param>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (!_process.HasExited)
        {
            throw new InvalidOperationException("The broker is still running; stop it first.");
        }

        // Runs already logged "running": wait for one more.
        var runsBefore = CountRuns();
        _process.Dispose();
        _process = NewProcess(ConfigPath, WorkDirectory);
        Launch();
        await WaitUntilListeningAsync(runsBefore, cancellationToken);
    }

    /// <summary>Kills the broker and deletes its work directory (if it made it).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
        if (_ownsWorkDirectory)
        {
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

    private static Process NewProcess(string configPath, string workDirectory) => new()
    {
        StartInfo = new ProcessStartInfo(ExecutablePath)
        {
            ArgumentList = { "-c", configPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        },
    };

    private void Launch()
    {
        _process.OutputDataReceived += (_, e) => AppendOutput(e.Data);
        _process.ErrorDataReceived += (_, e) => AppendOutput(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private int CountRuns() => LogLines().Count(line => line.Contains(" running", StringComparison.Ordinal));

    private int CountReloads() => LogLines().Count(line => line.Contains("Reloading config", StringComparison.Ordinal));

    // Reads the log while Mosquitto is still writing it.
    private IEnumerable<string> LogLines()
    {
        if (!File.Exists(LogPath))
        {
            yield break;
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private async Task WaitUntilListeningAsync(int runsBefore, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        try
        {
            // A port that accepts is not proof on its own: with ports picked by FreePort another test's listener
            // may answer there while this broker is failing. Mosquitto logs "running" only after every listener
            // and certificate loaded, so wait for that first.
            while (CountRuns() <= runsBefore)
            {
                ThrowIfExited("while starting");
                await Task.Delay(20, timeout.Token);
            }

            foreach (var port in Ports)
            {
                while (!await AcceptsAsync(port, timeout.Token))
                {
                    ThrowIfExited("while starting");
                    await Task.Delay(20, timeout.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Mosquitto did not listen on ports {string.Join(", ", Ports)} within {StartTimeout.TotalSeconds} s.\n{ReadLog()}");
        }
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void ThrowIfExited(string when)
    {
        if (_process.HasExited)
        {
            _process.WaitForExit(); // flushes the redirected output into _output
            throw new InvalidOperationException($"Mosquitto exited with code {_process.ExitCode} {when}.\n{ReadLog()}\n--- config ---\n{File.ReadAllText(ConfigPath)}");
        }
    }

    private void AppendOutput(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
