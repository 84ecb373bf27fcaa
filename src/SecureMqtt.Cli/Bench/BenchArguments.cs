using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Bench;

/// <summary>What <c>smqtt bench</c> measures.</summary>
internal enum BenchMode
{
    /// <summary>Clients publish; latency is publish to PUBACK/PUBCOMP (QoS 0: until buffered).</summary>
    Pub,

    /// <summary>Clients subscribe; latency is the time since a bench publisher stamped the message.</summary>
    Sub,

    /// <summary>Clients only connect; latency is TCP + TLS + CONNECT/CONNACK.</summary>
    Conn,

    /// <summary>One publisher and one subscriber in this process: end-to-end rate, first publish to last message received.</summary>
    Tput,

    /// <summary>One pinger and one responder in this process, one round trip at a time: ping, pong, next ping.</summary>
    Lat,
}

/// <summary>
/// smqtt bench's command line: emqtt-bench's load options (-c clients, -I interval, -L limit, -q, -s, -t), then
/// pub's connection, authentication and TLS options, parsed by the same <see cref="ClientArguments"/>. Where the two
/// spell an option alike, the bench's meaning wins: -c, -I and -L are emqtt-bench's, not mosquitto's (clean
/// session, client id prefix, URL).
/// </summary>
internal sealed class BenchArguments
{
    /// <summary>The payload bytes a bench publisher stamps first: a marker and the send time (UTC ticks), for sub's latency.</summary>
    public const int StampSize = 12;

    /// <summary>The payload bytes of a lat ping that carry its sequence number (the pong echoes them).</summary>
    public const int SequenceSize = 8;

    private BenchArguments(BenchMode mode)
    {
        Mode = mode;
        Client = new ClientArguments($"bench_{ModeName(mode)}");
    }

    public BenchMode Mode { get; }

    public ClientArguments Client { get; }

    /// <summary>-c: concurrent clients (tput and lat: always two, the publisher or pinger and the subscriber or responder).</summary>
    public int Clients { get; private set; } = 1;

    /// <summary>-I: pub, the pause between one client's publishes (0: none, up to -M in flight); sub and conn, between starting clients.</summary>
    public TimeSpan Interval { get; private set; }

    /// <summary>-L: pub, messages per client; sub, messages received in all; tput, messages sent; lat, round trips; 0 without limit.</summary>
    public long Limit { get; private set; }

    public MqttQualityOfService QoS { get; private set; }

    /// <summary>-s: payload bytes (tput and lat default to 64, as the issue's comparison table).</summary>
    public int PayloadSize { get; private set; } = 256;

    /// <summary>--warmup: lat, round trips run before measuring (JIT, TLS buffers, the broker's caches); conn, connects made and closed before the measured ones.</summary>
    public int Warmup { get; private set; } = 100;

    /// <summary>
    /// --tls-resume: conn, let a client resume the TLS session the broker gave an earlier one, as one client's
    /// reconnects do. Off by default: the clients stand for separate devices, each with a full handshake.
    /// </summary>
    public bool TlsResume { get; private set; }

    /// <summary>-t: topic (pub: %i is the client's number; tput: the one topic; lat: the prefix of /ping and /pong) or filter (sub).</summary>
    public string Topic { get; private set; } = string.Empty;

    /// <summary>--duration: stop after this long (conn: keep the connections open this long); null to run until -L or Ctrl-C.</summary>
    public TimeSpan? Duration { get; private set; }

    /// <summary>--self: lat, the pinger subscribes to its own ping topic (one pass through the broker) instead of a responder answering.</summary>
    public bool Self { get; private set; }

    /// <summary>--json: one JSON line at the end instead of the summary.</summary>
    public bool Json { get; private set; }

    /// <summary>--broker-pid: the broker process whose CPU share is reported (read from /proc).</summary>
    public int? BrokerPid { get; private set; }

    /// <summary>-M (pub's option): QoS 1/2 messages one client keeps in flight when -I is 0.</summary>
    public int InFlight => Client.MaxInflight ?? 100;

    /// <summary>Whether the mode is one of the in-process pairs (tput, lat) rather than a load of -c clients.</summary>
    public bool IsPair => Mode is BenchMode.Tput or BenchMode.Lat;

    /// <summary>lat: the topic the pinger publishes and the responder subscribes to.</summary>
    public string PingTopic => Topic + "/ping";

    /// <summary>lat: the topic the responder answers on and the pinger subscribes to.</summary>
    public string PongTopic => Topic + "/pong";

    public static BenchArguments Parse(BenchMode mode, IReadOnlyList<string> tokens)
    {
        var result = new BenchArguments(mode);
        if (result.IsPair)
        {
            result.Limit = mode == BenchMode.Tput ? 100_000 : 10_000;
            result.PayloadSize = 64;
        }

        var cursor = new ArgumentCursor(tokens);
        var intervalGiven = false;
        var clientsGiven = false;
        var warmupGiven = false;
        while (cursor.TryNext(out var option))
        {
            switch (option)
            {
                case "-c" or "--count":
                    result.Clients = cursor.Int(option, "client count", 1, 100_000);
                    clientsGiven = true;
                    break;
                case "-I" or "--interval":
                    result.Interval = TimeSpan.FromMilliseconds(cursor.Int(option, "interval (ms)", 0, int.MaxValue));
                    intervalGiven = true;
                    break;
                case "-L" or "--limit":
                    result.Limit = cursor.Int(option, "message limit", 0, int.MaxValue);
                    break;
                case "-q" or "--qos":
                    result.QoS = ClientArguments.ParseQoS(cursor.Value(option, "QoS"));
                    break;
                case "-s" or "--size":
                    result.PayloadSize = cursor.Int(option, "payload size", 0, 256 * 1024 * 1024);
                    break;
                case "-t" or "--topic":
                    result.Topic = cursor.Value(option, "topic");
                    break;
                case "--duration":
                    result.Duration = TimeSpan.FromSeconds(cursor.Seconds(option, "duration (seconds)"));
                    break;
                case "--warmup":
                    result.Warmup = cursor.Int(option, mode == BenchMode.Conn ? "warm-up connects" : "warm-up round trips", 0, int.MaxValue);
                    warmupGiven = true;
                    break;
                case "--tls-resume" when mode == BenchMode.Conn:
                    result.TlsResume = true;
                    break;
                case "--self" when mode == BenchMode.Lat:
                    result.Self = true;
                    break;
                case "--json":
                    result.Json = true;
                    break;
                case "--broker-pid":
                    result.BrokerPid = cursor.Int(option, "broker process id", 1, int.MaxValue);
                    break;
                default:
                    if (!result.Client.TryParse(option, cursor))
                    {
                        throw new UsageException($"Unknown option '{option}'.");
                    }

                    break;
            }
        }

        // emqtt-bench publishes once a second per client unless told otherwise.
        if (mode == BenchMode.Pub && !intervalGiven)
        {
            result.Interval = TimeSpan.FromSeconds(1);
        }

        if (result.IsPair)
        {
            // One pair and no pacing: these modes time the pipeline itself, the load modes do -c and -I.
            if (clientsGiven || intervalGiven)
            {
                throw new UsageException($"smqtt bench {ModeName(mode)} runs one {(mode == BenchMode.Tput ? "publisher and one subscriber" : "pinger and one responder")} as fast as they go; -c and -I are for pub, sub and conn.");
            }

            if (result.Limit == 0)
            {
                throw new UsageException($"smqtt bench {ModeName(mode)} needs -L of at least 1: it times a known number of {(mode == BenchMode.Tput ? "messages" : "round trips")}.");
            }

            result.Clients = result.Self ? 1 : 2;
        }

        if (warmupGiven && mode is not (BenchMode.Lat or BenchMode.Conn))
        {
            throw new UsageException("--warmup is lat's and conn's: the round trips or connects run before measuring.");
        }

        if (mode == BenchMode.Conn && !warmupGiven)
        {
            result.Warmup = 0;
        }

        if (result.TlsResume && !result.Client.Tls.Enabled)
        {
            throw new UsageException("--tls-resume needs TLS (--cafile, --capath, --cert or --insecure): without TLS there is no session to resume.");
        }

        result.Validate();
        return result;
    }

    /// <summary>The mode as the command line spells it.</summary>
    public static string ModeName(BenchMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Client <paramref name="index"/>'s id: -i (or the default) with the number appended, so that no two clients share a session.</summary>
    public string ClientId(int index) => $"{Client.ResolveClientId()}_{index}";

    /// <summary>Client <paramref name="index"/>'s publish topic: -t with %i replaced by the number.</summary>
    public string PublishTopic(int index) => Topic.Replace("%i", index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private void Validate()
    {
        if (Topic.Length == 0)
        {
            // A pair's topic is its own (the client id holds the pid), so concurrent runs on one broker do not mix.
            Topic = Mode switch
            {
                BenchMode.Sub => "bench/#",
                BenchMode.Tput or BenchMode.Lat => $"bench/{Client.ResolveClientId()}",
                _ => "bench/%i",
            };
        }

        if (IsPair && !MqttTopic.IsValidTopicName(Mode == BenchMode.Lat ? PingTopic : Topic, out var pairError))
        {
            throw new UsageException($"Invalid topic '{Topic}': {pairError}.");
        }

        if (Mode == BenchMode.Pub && !MqttTopic.IsValidTopicName(PublishTopic(0), out var error))
        {
            throw new UsageException($"Invalid publish topic '{Topic}': {error}.");
        }

        if (Mode == BenchMode.Sub && !MqttTopic.IsValidTopicFilter(Topic, out var filterError))
        {
            throw new UsageException($"Invalid subscription topic '{Topic}': {filterError}.");
        }

        if (Client.StorePath is not null)
        {
            throw new UsageException("--store holds one client's session; smqtt bench runs many clients and keeps none.");
        }

        if (Mode == BenchMode.Conn && Limit != 0)
        {
            throw new UsageException("-L counts messages; smqtt bench conn sends none (use --duration to hold the connections).");
        }

        Client.Validate();
    }
}
