using System.Diagnostics;
using System.Globalization;
using System.Text;
using SecureMqtt;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;
using SecureMqtt.Session;
using SecureMqtt.Sqlite;

// Publishes the numbers --start..--count-1 as payloads to --topic, up to --window at a time, over a session kept in
// --store. Prints "started N" before each PublishAsync and "acked N" once it returned, so a test that kills this
// process with SIGKILL knows which messages were accepted. With --bench it prints one line of throughput instead.
// Usage: CrashPublisher --host H --port P [--ca FILE] --client-id ID --store FILE|memory [--durability PerMessage|Batched|None]
//        [--qos 1|2] [--start N] [--count N] [--window N] [--inflight N] [--topic T] [--bench]
// --inflight sets MaximumOutgoingInFlight: with a window above it, publishers wait for in-flight slots.
var a = Args.Parse(args);
var storePath = a.Get("store", "memory");
var durability = Enum.Parse<MqttStoreDurability>(a.Get("durability", "Batched"), ignoreCase: true);
await using var store = storePath == "memory" ? null : await MqttSqliteSessionStore.OpenAsync(new MqttSqliteSessionStoreOptions { Path = storePath, Durability = durability });
var options = new MqttClientOptions
{
    Host = a.Get("host", "127.0.0.1"),
    Port = int.Parse(a.Get("port", "1883"), CultureInfo.InvariantCulture),
    Tls = a.Has("ca") ? new MqttTlsOptions { CaFile = a.Get("ca", ""), TargetHost = "localhost" } : null,
    ClientId = a.Get("client-id", "crash-publisher"),
    CleanStart = false,
    SessionExpiry = TimeSpan.FromMinutes(10),
    SessionStore = (IMqttSessionStore?)store ?? new MqttInMemorySessionStore(),
    MaximumOutgoingInFlight = a.Has("inflight") ? ushort.Parse(a.Get("inflight", "20"), CultureInfo.InvariantCulture) : null,
};
var qos = (MqttQualityOfService)int.Parse(a.Get("qos", "1"), CultureInfo.InvariantCulture);
var start = int.Parse(a.Get("start", "0"), CultureInfo.InvariantCulture);
var count = int.Parse(a.Get("count", "1000"), CultureInfo.InvariantCulture);
var window = int.Parse(a.Get("window", "16"), CultureInfo.InvariantCulture);
var topic = a.Get("topic", "crash/numbers");
var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };

await using var client = new MqttClient(options);
await client.ConnectAsync();
var slots = new SemaphoreSlim(window, window);
var pending = new List<Task>();
var output = new Lock();
var clock = Stopwatch.StartNew();
var acknowledged = 0L;

// A line redrawn on stderr only when that is a terminal (bench.sh run by hand); the crash tests' pipes see nothing.
var progress = ProgressLine.Start(Console.Error, ProgressLine.IsTerminal(Console.Error), () => string.Create(CultureInfo.InvariantCulture,
    $"{Interlocked.Read(ref acknowledged)} of {count - start} acked, {Interlocked.Read(ref acknowledged) / Math.Max(clock.Elapsed.TotalSeconds, 0.001):F0}/s"));
for (var n = start; n < count; n++)
{
    await slots.WaitAsync();
    var number = n;
    if (!a.Has("bench"))
    {
        lock (output)
        {
            stdout.WriteLine($"started {number}");
            stdout.Flush();
        }
    }

    var message = new MqttMessage { Topic = topic, QualityOfService = qos, Payload = Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture)) };
    pending.Add(Publish(message, number));
    if (pending.Count > 4 * window)
    {
        pending.RemoveAll(t => t.IsCompleted);
    }
}

await Task.WhenAll(pending);
clock.Stop();
if (progress is not null)
{
    await progress.DisposeAsync();
}

if (a.Has("bench"))
{
    var rate = (count - start) / clock.Elapsed.TotalSeconds;
    Console.WriteLine(FormattableString.Invariant($"{storePath}\t{(store is null ? "memory" : durability.ToString())}\tqos{(int)qos}\t{count - start}\t{clock.Elapsed.TotalSeconds:F2}\t{rate:F0}"));
}
else
{
    stdout.WriteLine("done");
    stdout.Flush();
}

await client.DisconnectAsync();
return 0;

async Task Publish(MqttMessage message, int number)
{
    try
    {
        await client.PublishAsync(message);
        Interlocked.Increment(ref acknowledged);
        if (!a.Has("bench"))
        {
            lock (output)
            {
                stdout.WriteLine($"acked {number}");
                stdout.Flush();
            }
        }
    }
    finally
    {
        slots.Release();
    }
}

internal sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Args Parse(string[] args)
    {
        var parsed = new Args();
        for (var i = 0; i < args.Length; i++)
        {
            var key = args[i].TrimStart('-');
            var value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
            parsed._values[key] = value;
        }

        return parsed;
    }

    public bool Has(string key) => _values.ContainsKey(key);

    public string Get(string key, string fallback) => _values.TryGetValue(key, out var v) ? v : fallback;
}
