using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Testing;
using Xunit.Abstractions;

namespace SecureMqtt.Sqlite.Tests;

/// <summary>
/// The publishing process is killed with SIGKILL at random points and restarted on the same store: every message
/// whose PublishAsync had returned reaches the subscriber, and at QoS 2 none twice. The suite runs a small seeded
/// version; scripts/crash.sh sets CRASH_COUNT and CRASH_KILLS for the full one and reads CRASH_REPORT.
/// </summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class CrashTests(MosquittoFixture broker, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(60);
    private readonly StoreFiles _files = new();

    public void Dispose() => _files.Dispose();

    public static TheoryData<int, string, int, int> Rows()
    {
        // The suite: three small rows; scripts/crash.sh (CRASH_ALL) all of them at full counts. A window of 32 over 16
        // in-flight slots makes most publishes wait for a slot, so they are stored as queued before they are sent
        // (the path that keeps Batched fast at a small Receive Maximum); a window of 8 stays within the slots.
        var rows = new TheoryData<int, string, int, int> { { 1, "PerMessage", 11, 8 }, { 2, "Batched", 12, 8 }, { 1, "Batched", 15, 32 } };
        if (Environment.GetEnvironmentVariable("CRASH_ALL") == "1")
        {
            rows.Add(2, "PerMessage", 13, 8);
            rows.Add(1, "Batched", 14, 8);
            rows.Add(1, "PerMessage", 16, 32);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task A_publisher_killed_and_restarted_on_its_store_loses_nothing_it_was_told_was_acknowledged(int qos, string durability, int seed, int window)
    {
        var count = Env("CRASH_COUNT", 1000);
        var kills = Env("CRASH_KILLS", 3);
        var topic = $"crash/{Guid.NewGuid():N}";
        var received = new ConcurrentDictionary<int, int>();
        var arrived = new SemaphoreSlim(0);
        await using var subscriber = new MqttClient(new MqttClientOptions { Host = broker.Host, Port = broker.PlainPort, ClientId = "sub-" + topic[6..20] });
        await subscriber.ConnectAsync();
        await subscriber.SubscribeAsync(topic, (MqttQualityOfService)qos, (message, _) =>
        {
            received.AddOrUpdate(int.Parse(Encoding.ASCII.GetString(message.Payload.Span), CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            arrived.Release();
            return ValueTask.CompletedTask;
        });

        var random = new Random(seed);
        var store = _files.PathOf("publisher.db");
        var acked = new HashSet<int>();
        var started = new HashSet<int>();
        var next = 0;
        var clock = Stopwatch.StartNew();
        for (var run = 0; run <= kills; run++)
        {
            var last = run == kills;
            var killAfter = last ? int.MaxValue : random.Next(1, Math.Max(2, 2 * count / (kills + 1)));
            var (runStarted, runAcked, finished) = await RunPublisherAsync(store, topic, qos, durability, next, count, killAfter, window);
            started.UnionWith(runStarted);
            acked.UnionWith(runAcked);
            if (last)
            {
                Assert.True(finished, "the last run did not finish");
            }

            // What was started and not acknowledged is either in the store (recovered by the next run) or was never
            // accepted; the next run goes on after it, as an application restarting from its own checkpoint would.
            next = started.Count == 0 ? 0 : started.Max() + 1;
        }

        using var timeout = new CancellationTokenSource(s_long);
        while (acked.Any(n => !received.ContainsKey(n)))
        {
            await arrived.WaitAsync(timeout.Token);
        }

        var lost = acked.Count(n => !received.ContainsKey(n));
        var duplicated = received.Values.Sum(v => v - 1);
        var recovered = received.Keys.Count(n => !acked.Contains(n));
        var line = $"qos{qos}\t{durability}\t{window}\t{count}\t{kills}\t{acked.Count}\t{received.Count}\t{lost}\t{duplicated}\t{recovered}\t{started.Count - acked.Count - recovered}\t{clock.Elapsed.TotalSeconds:F1}";
        output.WriteLine("qos\tdurability\twindow\tmessages\tkills\tacked\treceived\tlost\tduplicated\trecovered\tnever-accepted\tseconds");
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("CRASH_REPORT") is { Length: > 0 } report)
        {
            await File.AppendAllTextAsync(report, line + Environment.NewLine);
        }

        Assert.Equal(0, lost);
        Assert.True(acked.Count > count / 2, $"only {acked.Count} of {count} acknowledged");
        if (qos == 2)
        {
            Assert.Equal(0, duplicated);
        }
    }

    private async Task<(List<int> Started, List<int> Acked, bool Finished)> RunPublisherAsync(string store, string topic, int qos, string durability, int start, int count, int killAfter, int window)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SecureMqtt.CrashPublisher.dll");
        var info = new ProcessStartInfo("dotnet", [dll, "--host", broker.Host, "--port", broker.PlainPort.ToString(CultureInfo.InvariantCulture), "--client-id", "crash-" + topic[6..20],
            "--store", store, "--durability", durability, "--qos", qos.ToString(CultureInfo.InvariantCulture), "--start", start.ToString(CultureInfo.InvariantCulture),
            "--count", count.ToString(CultureInfo.InvariantCulture), "--topic", topic, "--window", window.ToString(CultureInfo.InvariantCulture), "--inflight", "16"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        List<int> started = [];
        List<int> acked = [];
        var finished = false;
        using var timeout = new CancellationTokenSource(s_long);
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "done")
            {
                finished = true;
                break;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var number = int.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture);
            if (line.StartsWith("started", StringComparison.Ordinal))
            {
                started.Add(number);
            }
            else
            {
                acked.Add(number);
                if (acked.Count == killAfter)
                {
                    // Reading goes on to the end of the pipe: what the process printed before it died still counts.
                    process.Kill();
                }
            }
        }

        await process.WaitForExitAsync(timeout.Token);
        var stderr = await errors;
        Assert.True(finished || process.ExitCode == 137 || process.ExitCode == -1, $"publisher exited with {process.ExitCode}: {stderr}");
        return (started, acked, finished);
    }

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
