using System.Diagnostics;
using System.Globalization;

namespace SecureMqtt.Benchmarks.EndToEnd;

/// <summary>
/// `handshake [--count N]`: how long one client's connect takes (TCP + TLS + CONNACK against a real Mosquitto over
/// TLS) on its first connection and on each reconnect after a clean disconnect, which is when the client offers the
/// broker the TLS session it had. Run it once more with DOTNET_SYSTEM_NET_SECURITY_DISABLETLSRESUME=1 for the same
/// figures with every handshake a full one.
/// </summary>
internal static class HandshakeBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = 50;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--count" && i + 1 < args.Length)
            {
                count = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await using var broker = await BenchBroker.StartAsync(stop.Token);
        await using var client = new MqttClient(broker.Tls.ClientOptions("handshake-bench") with { Reconnect = MqttReconnectOptions.Disabled });
        var times = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            await client.ConnectAsync(stop.Token);
            times.Add(watch.Elapsed.TotalMilliseconds);
            await client.DisconnectAsync(cancellationToken: stop.Token);
        }

        var later = times.Skip(2).Order().ToArray();
        var resume = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SECURITY_DISABLETLSRESUME") is "1" or "true" ? "off" : "on";
        Console.WriteLine($"TLS resumption {resume}, {count} connects over TLS to Mosquitto (TCP + TLS + CONNACK):");
        Console.WriteLine($"  first connect          {times[0],8:0.00} ms");
        Console.WriteLine($"  first reconnect        {times[1],8:0.00} ms");
        Console.WriteLine($"  later reconnects p50   {Percentile(later, 0.5),8:0.00} ms");
        Console.WriteLine($"  later reconnects p90   {Percentile(later, 0.9),8:0.00} ms");
        return 0;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
}
