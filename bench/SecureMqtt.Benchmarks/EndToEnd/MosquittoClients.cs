using System.Diagnostics;
using System.Globalization;
using SecureMqtt.Packets;

namespace SecureMqtt.Benchmarks.EndToEnd;

/// <summary>Runs Mosquitto's own C clients (mosquitto_pub -l, mosquitto_sub -C) as the reference publisher and subscriber.</summary>
internal static class MosquittoClients
{
    public static bool Available => File.Exists(Find("mosquitto_pub")) && File.Exists(Find("mosquitto_sub"));

    /// <summary>Starts <c>mosquitto_sub -C count</c> with its output discarded; the caller waits for its exit.</summary>
    public static Process StartSubscriber(BenchEndpoint endpoint, string clientId, string topic, MqttQualityOfService qos, int count) =>
        Start(Find("mosquitto_sub"), endpoint, ["-i", clientId, "-t", topic, "-q", Qos(qos), "-C", count.ToString(CultureInfo.InvariantCulture)], "/dev/null", null);

    /// <summary>Publishes every line of <paramref name="linesFile"/> as one message (<c>mosquitto_pub -l</c>) and waits for it to finish.</summary>
    public static async Task PublishLinesAsync(BenchEndpoint endpoint, string topic, MqttQualityOfService qos, string linesFile, CancellationToken cancellationToken)
    {
        using var process = Start(Find("mosquitto_pub"), endpoint, ["-t", topic, "-q", Qos(qos), "-l"], "/dev/null", linesFile);
        await WaitAsync(process, cancellationToken);
    }

    public static async Task WaitAsync(Process process, CancellationToken cancellationToken)
    {
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{process.StartInfo.ArgumentList[2]} exited with code {process.ExitCode}");
        }
    }

    public static void Kill(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>A file of <paramref name="count"/> lines of <paramref name="size"/> bytes each, for <c>mosquitto_pub -l</c>.</summary>
    public static string WriteLinesFile(string directory, int size, int count)
    {
        var path = Path.Combine(directory, $"lines-{size}-{count}.txt");
        if (!File.Exists(path))
        {
            var line = new string('x', size) + "\n";
            using var writer = new StreamWriter(path);
            for (var i = 0; i < count; i++)
            {
                writer.Write(line);
            }
        }

        return path;
    }

    private static string Qos(MqttQualityOfService qos) => ((int)qos).ToString(CultureInfo.InvariantCulture);

    private static string Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
        ?? Path.Combine("/usr/bin", name);

    private static Process Start(string executable, BenchEndpoint endpoint, IEnumerable<string> arguments, string stdout, string? stdin)
    {
        // `exec` keeps the process id the C client's own, so Kill reaches it; the shell only sets up the redirections.
        var command = "exec \"$0\" \"$@\" >" + stdout + (stdin is null ? " </dev/null" : " <\"$BENCH_STDIN\"");
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        info.ArgumentList.Add(executable);
        foreach (var a in endpoint.CClientArguments().Concat(arguments))
        {
            info.ArgumentList.Add(a);
        }

        if (stdin is not null)
        {
            info.Environment["BENCH_STDIN"] = stdin;
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
    }
}
