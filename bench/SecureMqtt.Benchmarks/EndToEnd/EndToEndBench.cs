using System.Diagnostics;
using System.Globalization;
using SecureMqtt.Packets;

namespace SecureMqtt.Benchmarks.EndToEnd;

/// <summary>
/// `e2e`: latency and throughput of SecureMqtt's client against a real Mosquitto, next to Mosquitto's own C
/// clients on the same broker, so a reader can tell whether the client or the broker sets the limit.
/// </summary>
internal static class EndToEndBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(e.Message + "\n" + BenchOptions.Usage);
            return 2;
        }

        var total = Stopwatch.StartNew();
        using var telemetry = new TelemetryListeners(options.Listen);
        var work = Directory.CreateTempSubdirectory("smqtt-bench-lines-").FullName;
        void DeleteWork(object? sender, EventArgs e)
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }

        AppDomain.CurrentDomain.ProcessExit += DeleteWork;
        Console.CancelKeyPress += DeleteWork;
        BenchBroker? broker = null;
        try
        {
            List<BenchEndpoint> endpoints;
            Func<string, TimeSpan, CancellationToken, Task> waitForSubscription;
            if (options.Host is null)
            {
                broker = await BenchBroker.StartAsync(CancellationToken.None);
                endpoints = [.. options.Transports.Select(t => t == "tls" ? broker.Tls : broker.Plain)];
                waitForSubscription = broker.WaitForSubscriptionAsync;
            }
            else
            {
                endpoints = [new BenchEndpoint(options.Host, options.Port!.Value, null)];
                if (options.TlsPort is { } tlsPort)
                {
                    endpoints.Add(new BenchEndpoint(options.Host, tlsPort, options.CaFile ?? throw new ArgumentException("--tls-port needs --cafile")));
                }

                endpoints = [.. endpoints.Where(e => options.Transports.Contains(e.Name))];
                // A broker we did not start does not tell us when mosquitto_sub's SUBSCRIBE is done: give it a moment.
                waitForSubscription = (_, _, ct) => Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            }

            Console.WriteLine($"SecureMqtt end-to-end bench: {Environment.ProcessorCount} cores, .NET {Environment.Version}, " +
                $"broker {(broker is null ? $"{options.Host}:{options.Port}" : "mosquitto (started here, pid " + broker.ProcessId + ")")}");
            Console.WriteLine();

            foreach (var endpoint in endpoints)
            {
                var latency = await LatencyAsync(endpoint, options);
                Console.WriteLine(latency);
            }

            Console.WriteLine();
            var runs = new ThroughputRuns(options, broker?.ProcessId, waitForSubscription, work);
            var withC = options.CompareWithMosquittoClients && MosquittoClients.Available;
            Console.WriteLine(ThroughputTable.Header);
            foreach (var endpoint in endpoints)
            {
                foreach (var size in options.PayloadSizes)
                {
                    foreach (var qos in options.QoS)
                    {
                        var count = options.MessagesFor(size);
                        Print(await runs.OursToOursAsync(endpoint, qos, size, count));
                        if (withC)
                        {
                            Print(await runs.OursToMosquittoSubAsync(endpoint, qos, size, count));
                            Print(await runs.MosquittoPubToOursAsync(endpoint, qos, size, count));
                            Print(await runs.MosquittoPubToMosquittoSubAsync(endpoint, qos, size, count));
                        }
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine($"{telemetry.Describe()}; total {total.Elapsed.TotalSeconds:F1} s");
            return 0;
        }
        finally
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }

            AppDomain.CurrentDomain.ProcessExit -= DeleteWork;
            Console.CancelKeyPress -= DeleteWork;
            DeleteWork(null, EventArgs.Empty);
        }
    }

    private static void Print(ThroughputResult result) => Console.WriteLine(ThroughputTable.Row(result));

    /// <summary>QoS 1 publish-and-await, one at a time: the PUBACK round trip as the application sees it.</summary>
    private static async Task<string> LatencyAsync(BenchEndpoint endpoint, BenchOptions options)
    {
        using var cts = new CancellationTokenSource(options.RunTimeout);
        await using var client = new MqttClient(endpoint.ClientOptions("bench-latency"));
        var samples = new double[options.LatencyCount];
        var done = 0;
        ushort receiveMaximum = 0;
        try
        {
            var connected = await client.ConnectAsync(cts.Token);
            receiveMaximum = connected.ReceiveMaximum;
            var payload = new byte[16];
            for (var i = 0; i < Math.Min(200, options.LatencyCount); i++)
            {
                await client.PublishAsync("bench/latency", payload, MqttQualityOfService.AtLeastOnce, cancellationToken: cts.Token);
            }

            for (; done < samples.Length; done++)
            {
                var start = Stopwatch.GetTimestamp();
                await client.PublishAsync("bench/latency", payload, MqttQualityOfService.AtLeastOnce, cancellationToken: cts.Token);
                samples[done] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
        }
        catch (OperationCanceledException)
        {
            return $"{endpoint.Name}: QoS 1 round trip: timeout after {done} of {samples.Length}";
        }

        Array.Sort(samples);
        return string.Create(CultureInfo.InvariantCulture,
            $"{endpoint.Name}: QoS 1 publish->PUBACK round trip over {samples.Length}: p50 {Percentile(samples, 0.50):F0} us, " +
            $"p99 {Percentile(samples, 0.99):F0} us, max {samples[^1]:F0} us (broker Receive Maximum {receiveMaximum})");
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
