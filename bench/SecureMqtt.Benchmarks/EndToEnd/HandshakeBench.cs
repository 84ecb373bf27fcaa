using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using SecureMqtt.Tls.OpenSsl;

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

        if (args.Contains("--psk"))
        {
            return await RunPskAsync(count);
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

    /// <summary>
    /// `handshake --psk [--count N]`: TLS-PSK handshakes (TCP connect + handshake, no MQTT) against a Mosquitto PSK
    /// listener started here, each version once without a session cache (every handshake full) and once with one
    /// (every handshake after the first offers the previous connection's session), then over the managed
    /// (BouncyCastle) path, which has no session cache.
    /// </summary>
    private static async Task<int> RunPskAsync(int count)
    {
        var directory = Directory.CreateTempSubdirectory("psk-bench-").FullName;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        const string Identity = "bench";
        const string HexKey = "00112233445566778899aabbccddeeff";
        await File.WriteAllTextAsync(Path.Combine(directory, "psk.txt"), $"{Identity}:{HexKey}\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "mosquitto.conf"),
            // log_dest none: nobody reads the broker's redirected output, and once a pipe's worth of connection lines (some
            // 300 connects) filled it, Mosquitto blocked writing its log and stopped answering.
            $"listener {port} 127.0.0.1\npsk_hint bench\npsk_file {Path.Combine(directory, "psk.txt")}\nallow_anonymous true\nuse_identity_as_username true\nlog_dest none\n" +
            (Environment.UserName == "root" ? "user root\n" : string.Empty));
        using var broker = Process.Start(new ProcessStartInfo("mosquitto", ["-c", Path.Combine(directory, "mosquitto.conf")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            await Task.Delay(500);
            Console.WriteLine($"TLS-PSK handshakes (TCP connect + handshake) to Mosquitto, {count} per row, p50 / p90 ms:");
            foreach (var version in new[] { SslProtocols.Tls12, SslProtocols.Tls13 })
            {
                foreach (var (cached, managed) in new[] { (false, false), (true, false), (false, true) })
                {
                    using var cache = cached ? new PskSessionCache() : null;
                    var times = new List<double>();
                    var resumed = 0;
                    for (var i = 0; i < count + 2; i++)
                    {
                        var watch = Stopwatch.StartNew();
                        var tcp = new TcpClient { NoDelay = true };
                        await tcp.ConnectAsync(IPAddress.Loopback, port);
                        var options = new PskTlsClientOptions
                        {
                            Identity = Identity,
                            Key = PskTlsClientOptions.ParseHexKey(HexKey),
                            MinimumVersion = version,
                            MaximumVersion = version,
                            SessionCache = cache,
                        };
                        PskTlsStream? openSsl = null;
                        await using Stream tls = managed
                            ? await Tls.Managed.ManagedPskTlsStream.ConnectAsync(tcp.GetStream(), options, CancellationToken.None)
                            : openSsl = await PskTlsStream.ConnectAsync(tcp.GetStream(), options);
                        var elapsed = watch.Elapsed.TotalMilliseconds;

                        // A TLS 1.3 ticket comes after the handshake: read the broker's answer to a CONNECT first.
                        await tls.WriteAsync(new byte[] { 0x10, 13, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 2, 0, 10, 0, 1, (byte)'b' });
                        await tls.ReadExactlyAsync(new byte[4]);
                        if (i >= 2)
                        {
                            times.Add(elapsed);
                            resumed += openSsl?.SessionResumed == true ? 1 : 0;
                        }
                    }

                    var sorted = times.Order().ToArray();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {(version == SslProtocols.Tls12 ? "TLS 1.2" : "TLS 1.3")} {(managed ? "managed, full      " : cached ? "with session cache" : "full handshakes   ")}  {Percentile(sorted, 0.5),7:0.00} / {Percentile(sorted, 0.9),7:0.00}   (resumed {resumed} of {count})"));
                }
            }
        }
        finally
        {
            broker.Kill();
            await broker.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }

        return 0;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
}
