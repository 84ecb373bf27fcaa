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

    private BenchArguments(BenchMode mode)
    {
        Mode = mode;
        Client = new ClientArguments($"bench_{mode.ToString().ToLowerInvariant()}");
    }

    public BenchMode Mode { get; }

    public ClientArguments Client { get; }

    /// <summary>-c: concurrent clients.</summary>
    public int Clients { get; private set; } = 1;

    /// <summary>-I: pub, the pause between one client's publishes (0: none, up to -M in flight); sub and conn, between starting clients.</summary>
    public TimeSpan Interval { get; private set; }

    /// <summary>-L: pub, messages per client; sub, messages received in all; 0 without limit.</summary>
    public long Limit { get; private set; }

    public MqttQualityOfService QoS { get; private set; }

    /// <summary>-s: payload bytes.</summary>
    public int PayloadSize { get; private set; } = 256;

    /// <summary>-t: topic (pub: %i is the client's number) or filter (sub).</summary>
    public string Topic { get; private set; } = string.Empty;

    /// <summary>--duration: stop after this long (conn: keep the connections open this long); null to run until -L or Ctrl-C.</summary>
    public TimeSpan? Duration { get; private set; }

    /// <summary>--json: one JSON line at the end instead of the summary.</summary>
    public bool Json { get; private set; }

    /// <summary>--broker-pid: the broker process whose CPU share is reported (read from /proc).</summary>
    public int? BrokerPid { get; private set; }

    /// <summary>-M (pub's option): QoS 1/2 messages one client keeps in flight when -I is 0.</summary>
    public int InFlight => Client.MaxInflight ?? 100;

    public static BenchArguments Parse(BenchMode mode, IReadOnlyList<string> tokens)
    {
        var result = new BenchArguments(mode);
        var cursor = new ArgumentCursor(tokens);
        var intervalGiven = false;
        while (cursor.TryNext(out var option))
        {
            switch (option)
            {
                case "-c" or "--count":
                    result.Clients = cursor.Int(option, "client count", 1, 100_000);
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

        result.Validate();
        return result;
    }

    /// <summary>Client <paramref name="index"/>'s id: -i (or the default) with the number appended, so that no two clients share a session.</summary>
    public string ClientId(int index) => $"{Client.ResolveClientId()}_{index}";

    /// <summary>Client <paramref name="index"/>'s publish topic: -t with %i replaced by the number.</summary>
    public string PublishTopic(int index) => Topic.Replace("%i", index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private void Validate()
    {
        if (Topic.Length == 0)
        {
            Topic = Mode == BenchMode.Sub ? "bench/#" : "bench/%i";
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
