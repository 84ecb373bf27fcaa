using System.Globalization;
using System.Text;
using System.Text.Json;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Bench;

/// <summary>smqtt bench's output: a live progress line on a terminal, then a summary or one JSON line.</summary>
internal static class BenchReport
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Rewrites one line on stderr every second while the run lasts, only when stderr is a terminal: a pipe or a
    /// file (and --json's reader) gets no carriage-return noise.
    /// </summary>
    public static async Task StartProgressAsync(BenchArguments arguments, BenchRunner runner, CliStreams streams, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(streams.Error, Console.Error) || Console.IsErrorRedirected)
        {
            return;
        }

        using var timer = new PeriodicTimer(ProgressInterval);
        long previous = 0;
        var started = DateTime.UtcNow;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var stats = runner.Stats;
                var messages = stats.Messages;
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{(DateTime.UtcNow - started).TotalSeconds,6:0.0} s  {Noun(arguments.Mode)} {messages} ({(messages - previous) / ProgressInterval.TotalSeconds:0}/s)  " +
                    $"p50 {Micros(stats.Latency.Percentile(0.5))}  p99 {Micros(stats.Latency.Percentile(0.99))}  " +
                    $"clients {stats.Connected}/{arguments.Clients}  errors {stats.Errors}");
                previous = messages;
                await streams.Error.WriteAsync($"\r\u001b[K{line}").ConfigureAwait(false);
                await streams.Error.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }

        await streams.Error.WriteAsync("\r\u001b[K").ConfigureAwait(false);
        await streams.Error.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public static void WriteResult(BenchArguments arguments, BenchRunner runner, CliStreams streams)
    {
        if (arguments.Json)
        {
            streams.Write(Json(arguments, runner));
            return;
        }

        var stats = runner.Stats;
        var meter = runner.Meter;
        var messages = stats.Messages;
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.Append(culture, $"smqtt bench {BenchArguments.ModeName(arguments.Mode)}: {runner.ConnectedClients} of {arguments.Clients} clients, ");
        if (arguments.Mode != BenchMode.Conn)
        {
            text.Append(culture, $"QoS {(int)arguments.QoS}, {arguments.PayloadSize}-byte payload, ");
        }

        text.Append(culture, $"{messages} {Noun(arguments.Mode)} in {meter.Wall.TotalSeconds:0.000} s: {Rate(messages, meter):0} per second, {stats.Errors} errors\n");
        if (arguments.Mode == BenchMode.Tput)
        {
            text.Append(culture, $"sent {stats.Sent} in {runner.SendWall.TotalSeconds:0.000} s ({SentRate(runner):0} per second), received {messages}, lost {Lost(runner)}\n");
        }

        text.Append(culture, $"latency ({LatencyMeaning(arguments)}): p50 {Micros(stats.Latency.Percentile(0.5))}, p90 {Micros(stats.Latency.Percentile(0.9))}, p99 {Micros(stats.Latency.Percentile(0.99))}");
        text.Append(arguments.IsPair ? $", max {Micros(stats.Latency.Max)}\n" : "\n");
        if (arguments.Mode == BenchMode.Lat && arguments.Self)
        {
            text.Append(culture, $"CPU {CpuMicrosPerMessage(messages, meter):0} us per round trip\n");
        }
        else if (arguments.Mode == BenchMode.Lat)
        {
            text.Append(culture, $"one way (ping published to the responder's handler): p50 {Micros(stats.OneWay.Percentile(0.5))}, p99 {Micros(stats.OneWay.Percentile(0.99))}; CPU {CpuMicrosPerMessage(messages, meter):0} us per round trip\n");
        }

        var handshake = !arguments.Client.Tls.Enabled ? string.Empty
            : arguments.Mode != BenchMode.Conn ? "TLS, "
            : arguments.TlsResume ? "TLS resumed where the broker takes it, " : "full TLS handshake, ";
        text.Append(culture, $"connect (TCP, {handshake}CONNECT/CONNACK): p50 {Millis(stats.Connect.Percentile(0.5))} over {stats.Connect.Count} connections\n");
        if (arguments.Mode == BenchMode.Conn)
        {
            text.Append(culture, $"all connected in {runner.ConnectWall.TotalSeconds:0.000} s ({ConnectRate(runner):0} per second); resident memory {runner.RssBeforeConnectMegabytes:0.0} MB before, {runner.RssConnectedMegabytes:0.0} MB connected ({RssPerConnectionKilobytes(runner):0.0} KB per connection)\n");
        }

        text.Append(culture, $"cost: {meter.Cpu.TotalSeconds:0.000} s CPU ({CpuPer100k(messages, meter):0.000} s per 100k), {AllocPerMessage(messages, meter):0} B allocated per {Singular(arguments.Mode)}, peak RSS {meter.PeakRssMegabytes:0.0} MB\n");
        if (meter.BrokerCpuPercent is { } broker)
        {
            text.Append(culture, $"broker: {broker:0.0}% of one core\n");
        }

        if (stats.FirstError is { } first)
        {
            text.Append(culture, $"first error: {first}\n");
        }

        streams.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>The --json line. Keys are stable (scripts read them); a figure that could not be measured is null.</summary>
    public static byte[] Json(BenchArguments arguments, BenchRunner runner)
    {
        var stats = runner.Stats;
        var meter = runner.Meter;
        var messages = stats.Messages;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("mode", BenchArguments.ModeName(arguments.Mode));
            json.WriteNumber("clients", runner.ConnectedClients);
            json.WriteNumber("qos", (int)arguments.QoS);
            if (arguments.Mode is BenchMode.Pub or BenchMode.Tput or BenchMode.Lat)
            {
                json.WriteNumber("payload_bytes", arguments.PayloadSize);
            }

            if (arguments.Mode == BenchMode.Tput)
            {
                // msgs_per_s below is what arrived end to end; these are the publisher's side and the difference.
                json.WriteNumber("in_flight", arguments.InFlight);
                json.WriteNumber("sent", stats.Sent);
                json.WriteNumber("sent_per_s", Math.Round(SentRate(runner), 1));
                json.WriteNumber("send_duration_s", Math.Round(runner.SendWall.TotalSeconds, 6));
                json.WriteNumber("lost", Lost(runner));
            }

            if (arguments.Mode == BenchMode.Lat)
            {
                json.WriteNumber("warmup", arguments.Warmup);
                json.WriteString("responder", arguments.Self ? "self" : "separate");
            }

            if (arguments.Mode == BenchMode.Conn)
            {
                json.WriteNumber("warmup", arguments.Warmup);
                json.WriteBoolean("tls_resume", arguments.TlsResume);
                // Before the hold: msgs_per_s and duration_s below include --duration.
                json.WriteNumber("connect_duration_s", Math.Round(runner.ConnectWall.TotalSeconds, 6));
                json.WriteNumber("connects_per_s", Math.Round(ConnectRate(runner), 1));
                json.WriteNumber("rss_before_mb", Math.Round(runner.RssBeforeConnectMegabytes, 1));
                json.WriteNumber("rss_connected_mb", Math.Round(runner.RssConnectedMegabytes, 1));
                WriteNullable(json, "rss_kb_per_connection", runner.ConnectedClients > 0 ? Math.Round(RssPerConnectionKilobytes(runner), 1) : null);
            }

            json.WriteNumber("messages", messages);
            json.WriteNumber("errors", stats.Errors);
            json.WriteNumber("duration_s", Math.Round(meter.Wall.TotalSeconds, 6));
            json.WriteNumber("msgs_per_s", Math.Round(Rate(messages, meter), 1));
            WriteNullable(json, "p50_us", stats.Latency.Percentile(0.5));
            WriteNullable(json, "p90_us", stats.Latency.Percentile(0.9));
            WriteNullable(json, "p99_us", stats.Latency.Percentile(0.99));
            if (arguments.IsPair)
            {
                WriteNullable(json, "max_us", stats.Latency.Max);
            }

            if (arguments.Mode == BenchMode.Lat)
            {
                WriteNullable(json, "one_way_p50_us", stats.OneWay.Percentile(0.5));
                WriteNullable(json, "one_way_p99_us", stats.OneWay.Percentile(0.99));
                WriteNullable(json, "cpu_us_per_round_trip", messages > 0 ? Math.Round(CpuMicrosPerMessage(messages, meter), 1) : null);
            }
            WriteNullable(json, "connect_ms", stats.Connect.Percentile(0.5) is { } connect ? Math.Round(connect / 1000.0, 3) : null);
            WriteNullable(json, "cpu_s_per_100k", messages > 0 ? Math.Round(CpuPer100k(messages, meter), 4) : null);
            WriteNullable(json, "alloc_bytes_per_msg", messages > 0 ? Math.Round(AllocPerMessage(messages, meter), 1) : null);
            json.WriteNumber("peak_rss_mb", Math.Round(meter.PeakRssMegabytes, 1));
            if (arguments.BrokerPid is not null)
            {
                WriteNullable(json, "broker_cpu_pct", meter.BrokerCpuPercent is { } broker ? Math.Round(broker, 1) : null);
            }

            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Noun(BenchMode mode) => mode switch
    {
        BenchMode.Conn => "connections",
        BenchMode.Lat => "round trips",
        _ => "messages",
    };

    private static string Singular(BenchMode mode) => Noun(mode)[..^1];

    private static double ConnectRate(BenchRunner runner) => runner.ConnectWall > TimeSpan.Zero ? runner.ConnectedClients / runner.ConnectWall.TotalSeconds : 0;

    private static double RssPerConnectionKilobytes(BenchRunner runner) =>
        runner.ConnectedClients > 0 ? (runner.RssConnectedMegabytes - runner.RssBeforeConnectMegabytes) * 1024 / runner.ConnectedClients : 0;

    private static double SentRate(BenchRunner runner) => runner.SendWall > TimeSpan.Zero ? runner.Stats.Sent / runner.SendWall.TotalSeconds : 0;

    /// <summary>tput: messages sent that never arrived (after the quiet period); 0 when the run was cut short before sending them.</summary>
    private static long Lost(BenchRunner runner) => Math.Max(0, runner.Stats.Sent - runner.Stats.Messages);

    private static double CpuMicrosPerMessage(long messages, ResourceMeter meter) => messages > 0 ? meter.Cpu.TotalMicroseconds / messages : 0;

    private static string LatencyMeaning(BenchArguments arguments) => arguments.Mode switch
    {
        BenchMode.Pub => arguments.QoS switch
        {
            MqttQualityOfService.AtMostOnce => "publish until buffered, QoS 0 has no acknowledgement",
            MqttQualityOfService.AtLeastOnce => "publish to PUBACK",
            _ => "publish to PUBCOMP",
        },
        BenchMode.Sub => $"sent by a bench publisher to received, payloads of at least {BenchArguments.StampSize} bytes",
        BenchMode.Tput => $"publish to received, queueing included, payloads of at least {BenchArguments.StampSize} bytes",
        BenchMode.Lat when arguments.Self => "ping published to the pinger's own copy received, one at a time",
        BenchMode.Lat => "ping published to pong received, one at a time",
        _ => "connect",
    };

    private static double Rate(long messages, ResourceMeter meter) => meter.Wall > TimeSpan.Zero ? messages / meter.Wall.TotalSeconds : 0;

    private static double CpuPer100k(long messages, ResourceMeter meter) => messages > 0 ? meter.Cpu.TotalSeconds * 100_000 / messages : 0;

    private static double AllocPerMessage(long messages, ResourceMeter meter) => messages > 0 ? (double)meter.AllocatedBytes / messages : 0;

    private static string Micros(long? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v} us") : "-";

    private static string Millis(long? micros) => micros is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v / 1000.0:0.00} ms") : "-";
}
