using System.Globalization;
using SecureMqtt.Packets;

namespace SecureMqtt.Benchmarks.EndToEnd;

/// <summary>Command-line settings of the end-to-end bench; defaults finish in well under two minutes on 2 cores.</summary>
internal sealed record BenchOptions
{
    public string? Host { get; init; }

    public int? Port { get; init; }

    public int? TlsPort { get; init; }

    public string? CaFile { get; init; }

    public int Count { get; init; } = 20_000;

    public int LargeCount { get; init; } = 10_000;

    public int Warmup { get; init; } = 2_000;

    public int LatencyCount { get; init; } = 2_000;

    public IReadOnlyList<int> PayloadSizes { get; init; } = [16, 1024];

    public IReadOnlyList<MqttQualityOfService> QoS { get; init; } =
        [MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce, MqttQualityOfService.ExactlyOnce];

    public IReadOnlyList<string> Transports { get; init; } = ["tcp", "tls"];

    /// <summary>Most QoS 1/2 publishes outstanding at once; 0: all at once, limited only by the broker's Receive Maximum.</summary>
    /// <remarks>
    /// 100 by default: an application bounds its in-flight set, and mosquitto_pub keeps 20. With 0 (thousands
    /// outstanding) both our client and Mosquitto slow down several times; docs/performance.md has the numbers.
    /// </remarks>
    public int Window { get; init; } = 100;

    public bool CompareWithMosquittoClients { get; init; } = true;

    public TimeSpan RunTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>metrics, traces or all: listen to the client's telemetry during the runs (see <see cref="TelemetryListeners"/>).</summary>
    public string? Listen { get; init; }

    public int MessagesFor(int payloadSize) => payloadSize > 256 ? LargeCount : Count;

    public const string Usage = """
        e2e [--count N] [--large-count N] [--warmup N] [--latency-count N] [--sizes 16,1024] [--qos 0,1,2]
            [--transports tcp,tls] [--window N] [--no-c-clients] [--timeout SECONDS] [--listen metrics|traces|all]
            [--host H --port P [--tls-port P --cafile CA.pem]]   use a running broker instead of starting one
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--host" => o with { Host = Next() },
                "--port" => o with { Port = NextInt() },
                "--tls-port" => o with { TlsPort = NextInt() },
                "--cafile" => o with { CaFile = Next() },
                "--count" => o with { Count = NextInt() },
                "--large-count" => o with { LargeCount = NextInt() },
                "--warmup" => o with { Warmup = NextInt() },
                "--latency-count" => o with { LatencyCount = NextInt() },
                "--sizes" => o with { PayloadSizes = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] },
                "--qos" => o with { QoS = [.. Next().Split(',').Select(s => (MqttQualityOfService)int.Parse(s, CultureInfo.InvariantCulture))] },
                "--transports" => o with { Transports = [.. Next().Split(',')] },
                "--window" => o with { Window = NextInt() },
                "--no-c-clients" => o with { CompareWithMosquittoClients = false },
                "--timeout" => o with { RunTimeout = TimeSpan.FromSeconds(NextInt()) },
                "--listen" => o with { Listen = Next() is var l and ("metrics" or "traces" or "all") ? l : throw new ArgumentException("--listen takes metrics, traces or all") },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (o.Host is not null && o.Port is null)
        {
            throw new ArgumentException("--host needs --port");
        }

        return o;
    }
}
