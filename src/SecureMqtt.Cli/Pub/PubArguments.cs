using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Pub;

/// <summary>Where the payload comes from: mosquitto_pub allows exactly one of -m, -f, -s, -l, -n.</summary>
internal enum PayloadSource
{
    None,
    Message,
    File,
    StdinWhole,
    StdinLines,
    Null,
}

/// <summary>mosquitto_pub's command line.</summary>
internal sealed class PubArguments
{
    public ClientArguments Client { get; } = new("pub");

    public string? Topic { get; private set; }

    public PayloadSource Source { get; private set; }

    public string? Message { get; private set; }

    public string? FilePath { get; private set; }

    public MqttQualityOfService QoS { get; private set; }

    public bool Retain { get; private set; }

    public int Repeat { get; private set; } = 1;

    public TimeSpan RepeatDelay { get; private set; }

    /// <summary>-D publish topic-alias: the Topic Alias mosquitto_pub puts on every PUBLISH (MQTT 5); 1 to 65535.</summary>
    public ushort? TopicAlias { get; private set; }

    /// <summary>Parses the defaults file (~/.config/mosquitto_pub, as mosquitto_pub reads it), then <paramref name="tokens"/>.</summary>
    public static PubArguments Parse(IReadOnlyList<string> tokens) => Parse(tokens, DefaultsFile.Read("mosquitto_pub"));

    public static PubArguments Parse(IReadOnlyList<string> tokens, IReadOnlyList<DefaultsFile.Line> defaults)
    {
        var result = new PubArguments();
        DefaultsFile.Apply(defaults, tokens, result.ParseOptions);
        result.Topic ??= result.Client.UrlTopic;
        result.Validate();
        return result;
    }

    private void ParseOptions(ArgumentCursor cursor)
    {
        while (cursor.TryNext(out var option))
        {
            switch (option)
            {
                case "-t" or "--topic":
                    Topic = cursor.Value(option, "topic");
                    break;
                case "-m" or "--message":
                    SetSource(PayloadSource.Message);
                    Message = cursor.Value(option, "message");
                    break;
                case "-f" or "--file":
                    SetSource(PayloadSource.File);
                    FilePath = cursor.Value(option, "file");
                    break;
                case "-s" or "--stdin-file":
                    SetSource(PayloadSource.StdinWhole);
                    break;
                case "-l" or "--stdin-line":
                    SetSource(PayloadSource.StdinLines);
                    break;
                case "-n" or "--null-message":
                    SetSource(PayloadSource.Null);
                    break;
                case "-q" or "--qos":
                    QoS = ClientArguments.ParseQoS(cursor.Value(option, "QoS"));
                    break;
                case "-r" or "--retain":
                    Retain = true;
                    break;
                case "--repeat":
                    Repeat = cursor.Int(option, "repeat count", 1, int.MaxValue);
                    break;
                case "--repeat-delay":
                    RepeatDelay = TimeSpan.FromSeconds(cursor.Seconds(option, "repeat delay"));
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

    private void SetSource(PayloadSource source)
    {
        if (Source != PayloadSource.None)
        {
            throw new UsageException("Only one type of message can be sent at once.");
        }

        Source = source;
    }

    private void Validate()
    {
        if (Topic is null || Source == PayloadSource.None)
        {
            throw new UsageException("Both topic and message must be supplied.");
        }

        if (!MqttTopic.IsValidTopicName(Topic, out var error))
        {
            throw new UsageException($"Invalid publish topic '{Topic}', does it contain '+' or '#'? ({error})");
        }

        if (Source == PayloadSource.File && !File.Exists(FilePath))
        {
            throw new UsageException($"Unable to read file \"{FilePath}\".");
        }

        if (Repeat > 1 && Source == PayloadSource.StdinLines)
        {
            throw new UsageException("--repeat can only be used with a single message (-m, -f, -s or -n), not with -l.");
        }

        foreach (var p in Client.Properties.Where(p => p.Command is "subscribe" or "unsubscribe" or "auth"))
        {
            throw new UsageException($"-D {p.Command} {p.Name}: mosquitto_pub sends no {p.Command.ToUpperInvariant()}.");
        }

        foreach (var p in Client.Properties.Where(p => p is { Command: "publish", Name: "topic-alias" }))
        {
            // [MQTT-3.3.2-8]: a Topic Alias of 0 is not permitted. mosquitto_pub finds out from the broker instead.
            TopicAlias = (ushort)p.UInt(ushort.MaxValue) is var alias and > 0
                ? alias
                : throw new UsageException("Invalid value '0' for property topic-alias (expected 1..65535) [MQTT-3.3.2-8].");
        }

        Client.Validate();
    }
}
