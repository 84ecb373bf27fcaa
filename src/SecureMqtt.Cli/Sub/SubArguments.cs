using System.Globalization;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Sub;

/// <summary>mosquitto_sub's command line.</summary>
internal sealed class SubArguments
{
    public ClientArguments Client { get; } = new("sub");

    public List<string> Topics { get; } = [];

    public List<string> FilterOut { get; } = [];

    public List<string> Unsubscribe { get; } = [];

    public MqttQualityOfService QoS { get; private set; }

    public bool Verbose { get; private set; }

    public bool NoEndOfLine { get; private set; }

    public string? Format { get; private set; }

    public bool Pretty { get; private set; }

    public int Count { get; private set; }

    public TimeSpan? Timeout { get; private set; }

    public bool NoRetained { get; private set; }

    public bool RetainedOnly { get; private set; }

    public bool RemoveRetained { get; private set; }

    public bool RetainAsPublished { get; private set; }

    public bool ExitAfterSubscribe { get; private set; }

    public double? RandomFilterPercent { get; private set; }

    public static SubArguments Parse(IReadOnlyList<string> tokens)
    {
        var r = new SubArguments();
        var cursor = new ArgumentCursor(tokens);
        while (cursor.TryNext(out var option))
        {
            switch (option)
            {
                case "-t" or "--topic":
                    r.Topics.Add(ValidFilter(cursor.Value(option, "topic"), "subscription topic"));
                    break;
                case "-T" or "--filter-out":
                    r.FilterOut.Add(ValidFilter(cursor.Value(option, "topic filter"), "filter topic"));
                    break;
                case "-U" or "--unsubscribe":
                    r.Unsubscribe.Add(ValidFilter(cursor.Value(option, "unsubscribe topic"), "unsubscribe topic"));
                    break;
                case "-q" or "--qos":
                    r.QoS = ClientArguments.ParseQoS(cursor.Value(option, "QoS"));
                    break;
                case "-v" or "--verbose":
                    r.Verbose = true;
                    break;
                case "-N":
                    r.NoEndOfLine = true;
                    break;
                case "-F":
                    r.Format = cursor.Value(option, "format");
                    break;
                case "--pretty":
                    r.Pretty = true;
                    break;
                case "-C" or "--count":
                    r.Count = cursor.Int(option, "count", 1, int.MaxValue);
                    break;
                case "-W":
                    r.Timeout = TimeSpan.FromSeconds(cursor.Int(option, "timeout", 1, int.MaxValue));
                    break;
                case "-R" or "--no-retain":
                    r.NoRetained = true;
                    break;
                case "--retained-only":
                    r.RetainedOnly = true;
                    break;
                case "--remove-retained":
                    r.RemoveRetained = true;
                    break;
                case "--retain-as-published":
                    r.RetainAsPublished = true;
                    break;
                case "-E":
                    r.ExitAfterSubscribe = true;
                    break;
                case "--random-filter":
                    var text = cursor.Value(option, "chance");
                    r.RandomFilterPercent = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 100
                        ? p
                        : throw new UsageException($"Invalid --random-filter chance '{text}' (expected 0.1 to 100).");
                    break;
                default:
                    if (!r.Client.TryParse(option, cursor))
                    {
                        throw new UsageException($"Unknown option '{option}'.");
                    }

                    break;
            }
        }

        if (r.Client.UrlTopic is { } urlTopic)
        {
            r.Topics.Add(ValidFilter(urlTopic, "subscription topic"));
        }

        r.Validate();
        return r;
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

        if (Pretty)
        {
            throw new UsageException("--pretty is not supported because smqtt sub prints JSON in mosquitto's compact form only.");
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

        if (Format is not null)
        {
            MessageFormatter.Validate(Format);
        }

        Client.Validate();
    }
}
