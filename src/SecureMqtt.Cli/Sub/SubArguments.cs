using System.Globalization;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Sub;

/// <summary>mosquitto_sub's command line.</summary>
internal sealed class SubArguments
{
    private string? _format;

    public ClientArguments Client { get; } = new("sub");

    public List<string> Topics { get; } = [];

    public List<string> FilterOut { get; } = [];

    public List<string> Unsubscribe { get; } = [];

    public MqttQualityOfService QoS { get; private set; }

    public bool Verbose { get; private set; }

    public bool NoEndOfLine { get; private set; }

    /// <summary>-F with --pretty; null without -F (--pretty alone changes nothing, as in mosquitto_sub).</summary>
    public OutputFormat? Format { get; private set; }

    public bool Pretty { get; private set; }

    public int Count { get; private set; }

    public TimeSpan? Timeout { get; private set; }

    public bool NoRetained { get; private set; }

    public bool RetainedOnly { get; private set; }

    public bool RemoveRetained { get; private set; }

    public bool RetainAsPublished { get; private set; }

    public bool ExitAfterSubscribe { get; private set; }

    public double? RandomFilterPercent { get; private set; }

    /// <summary>Parses the defaults file (~/.config/mosquitto_sub, as mosquitto_sub reads it), then <paramref name="tokens"/>.</summary>
    public static SubArguments Parse(IReadOnlyList<string> tokens) => Parse(tokens, DefaultsFile.Read("mosquitto_sub"));

    public static SubArguments Parse(IReadOnlyList<string> tokens, IReadOnlyList<DefaultsFile.Line> defaults)
    {
        var r = new SubArguments();
        DefaultsFile.Apply(defaults, tokens, r.ParseOptions);
        if (r.Client.UrlTopic is { } urlTopic)
        {
            r.Topics.Add(ValidFilter(urlTopic, "subscription topic"));
        }

        r.Validate();
        return r;
    }

    private void ParseOptions(ArgumentCursor cursor)
    {
        while (cursor.TryNext(out var option))
        {
            switch (option)
            {
                case "-t" or "--topic":
                    Topics.Add(ValidFilter(cursor.Value(option, "topic"), "subscription topic"));
                    break;
                case "-T" or "--filter-out":
                    FilterOut.Add(ValidFilter(cursor.Value(option, "topic filter"), "filter topic"));
                    break;
                case "-U" or "--unsubscribe":
                    Unsubscribe.Add(ValidFilter(cursor.Value(option, "unsubscribe topic"), "unsubscribe topic"));
                    break;
                case "-q" or "--qos":
                    QoS = ClientArguments.ParseQoS(cursor.Value(option, "QoS"));
                    break;
                case "-v" or "--verbose":
                    Verbose = true;
                    break;
                case "-N":
                    NoEndOfLine = true;
                    break;
                case "-F":
                    _format = cursor.Value(option, "format");
                    break;
                case "--pretty":
                    Pretty = true;
                    break;
                case "-C" or "--count":
                    Count = cursor.Int(option, "count", 1, int.MaxValue);
                    break;
                case "-W":
                    Timeout = TimeSpan.FromSeconds(cursor.Int(option, "timeout", 1, int.MaxValue));
                    break;
                case "-R" or "--no-retain":
                    NoRetained = true;
                    break;
                case "--retained-only":
                    RetainedOnly = true;
                    break;
                case "--remove-retained":
                    RemoveRetained = true;
                    break;
                case "--retain-as-published":
                    RetainAsPublished = true;
                    break;
                case "-E":
                    ExitAfterSubscribe = true;
                    break;
                case "--random-filter":
                    var text = cursor.Value(option, "chance");
                    RandomFilterPercent = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 100
                        ? p
                        : throw new UsageException($"Invalid --random-filter chance '{text}' (expected 0.1 to 100).");
                    break;
                default:
                    if (!Client.TryParse(option, cursor))
                    {
                        throw new UsageException($"Unknown option '{option}'.");
                    }

                    break;
            }
        }
    }

    private static string ValidFilter(string filter, string what) =>
        MqttTopic.IsValidTopicFilter(filter, out var error) ? filter : throw new UsageException($"Invalid {what} '{filter}', are all '+' and '#' wildcards correct? ({error})");

    private void Validate()
    {
        if (Topics.Count == 0 && Unsubscribe.Count == 0)
        {
            throw new UsageException("You must specify a topic to subscribe to.");
        }

        if (NoRetained && RetainedOnly)
        {
            throw new UsageException("-R and --retained-only cannot be used together.");
        }

        if (RetainAsPublished && Client.Version != MqttProtocolVersion.V500)
        {
            throw new UsageException("--retain-as-published needs MQTT v5 (-V mqttv5).");
        }

        // Refuses what the client has no place for; user properties go on SUBSCRIBE, UNSUBSCRIBE and DISCONNECT.
        _ = PropertyArgument.UserProperties(Client.Properties, "subscribe", "subscription-identifier");
        _ = PropertyArgument.UserProperties(Client.Properties, "unsubscribe");
        _ = PropertyArgument.UserProperties(Client.Properties, "disconnect");
        foreach (var p in Client.Properties.Where(p => p.Command is "publish" or "auth"))
        {
            throw p.NotSupported();
        }

        foreach (var p in Client.Properties.Where(p => p.Command == "subscribe" && p.Name == "subscription-identifier"))
        {
            if (p.UInt(268_435_455) == 0)
            {
                throw new UsageException("Invalid value '0' for property subscription-identifier (expected 1..268435455).");
            }
        }

        if (_format is not null)
        {
            MessageFormatter.Validate(_format);
            Format = new OutputFormat(_format, Pretty);
        }

        Client.Validate();
    }
}
