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

    public static PubArguments Parse(IReadOnlyList<string> tokens)
    {
        var result = new PubArguments();
        var cursor = new ArgumentCursor(tokens);
        while (cursor.TryNext(out var option))
        {
            switch (option)
            {
                case "-t" or "--topic":
                    result.Topic = cursor.Value(option, "topic");
                    break;
                case "-m" or "--message":
                    result.SetSource(PayloadSource.Message);
                    result.Message = cursor.Value(option, "message");
                    break;
                case "-f" or "--file":
                    result.SetSource(PayloadSource.File);
                    result.FilePath = cursor.Value(option, "file");
                    break;
                case "-s" or "--stdin-file":
                    result.SetSource(PayloadSource.StdinWhole);
                    break;
                case "-l" or "--stdin-line":
                    result.SetSource(PayloadSource.StdinLines);
                    break;
                case "-n" or "--null-message":
                    result.SetSource(PayloadSource.Null);
                    break;
                case "-q" or "--qos":
                    result.QoS = ClientArguments.ParseQoS(cursor.Value(option, "QoS"));
                    break;
                case "-r" or "--retain":
                    result.Retain = true;
                    break;
                case "--repeat":
                    result.Repeat = cursor.Int(option, "repeat count", 1, int.MaxValue);
                    break;
                case "--repeat-delay":
                    result.RepeatDelay = TimeSpan.FromSeconds(cursor.Seconds(option, "repeat delay"));
                    break;
                default:
                    if (!result.Client.TryParse(option, cursor))
                    {
                        throw new UsageException($"Unknown option '{option}'.");
                    }

                    break;
            }
        }

        result.Topic ??= result.Client.UrlTopic;
        result.Validate();
        return result;
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

        Client.Validate();
    }
}
