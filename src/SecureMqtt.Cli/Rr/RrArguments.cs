using SecureMqtt.Cli.Common;
using SecureMqtt.Cli.Pub;
using SecureMqtt.Cli.Sub;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Rr;

/// <summary>mosquitto_rr's command line: the request as mosquitto_pub's, the response printed as mosquitto_sub prints.</summary>
internal sealed class RrArguments
{
    private string? _format;

    /// <summary>mosquitto_rr's default protocol is MQTT 5 (mosquitto_pub's and mosquitto_sub's is 3.1.1).</summary>
    public ClientArguments Client { get; } = new("rr") { Version = MqttProtocolVersion.V500 };

    /// <summary>-t: where the request goes.</summary>
    public string? Topic { get; private set; }

    /// <summary>-e: the Response Topic, subscribed to before the request is sent.</summary>
    public string? ResponseTopic { get; private set; }

    public PayloadSource Source { get; private set; }

    public string? Message { get; private set; }

    public string? FilePath { get; private set; }

    public MqttQualityOfService QoS { get; private set; }

    public TimeSpan? Timeout { get; private set; }

    public bool Verbose { get; private set; }

    public bool NoEndOfLine { get; private set; }

    public bool NoRetained { get; private set; }

    public bool Pretty { get; private set; }

    public OutputFormat? Format { get; private set; }

    /// <summary>Parses the defaults file (~/.config/mosquitto_rr, as mosquitto_rr reads it), then <paramref name="tokens"/>.</summary>
    public static RrArguments Parse(IReadOnlyList<string> tokens) => Parse(tokens, DefaultsFile.Read("mosquitto_rr"));

    public static RrArguments Parse(IReadOnlyList<string> tokens, IReadOnlyList<DefaultsFile.Line> defaults)
    {
        var result = new RrArguments();
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
                case "-e":
                    ResponseTopic = cursor.Value(option, "response topic");
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
                case "-n" or "--null-message":
                    SetSource(PayloadSource.Null);
                    break;
                case "-q" or "--qos":
                    QoS = ClientArguments.ParseQoS(cursor.Value(option, "QoS"));
                    break;
                case "-W":
                    Timeout = TimeSpan.FromSeconds(cursor.Int(option, "timeout", 1, int.MaxValue));
                    break;
                case "-v" or "--verbose":
                    Verbose = true;
                    break;
                case "-N":
                    NoEndOfLine = true;
                    break;
                case "-R":
                    NoRetained = true;
                    break;
                case "-F":
                    _format = cursor.Value(option, "format");
                    break;
                case "--pretty":
                    Pretty = true;
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
        if (Topic is null || ResponseTopic is null || Source == PayloadSource.None)
        {
            throw new UsageException("All of topic, message, and response topic must be supplied.");
        }

        if (!MqttTopic.IsValidTopicName(Topic, out var error))
        {
            throw new UsageException($"Invalid publish topic '{Topic}', does it contain '+' or '#'? ({error})");
        }

        if (!MqttTopic.IsValidTopicName(ResponseTopic, out error))
        {
            throw new UsageException($"Invalid response topic '{ResponseTopic}', does it contain '+' or '#'? ({error})");
        }

        if (Source == PayloadSource.File && !File.Exists(FilePath))
        {
            throw new UsageException($"Unable to read file \"{FilePath}\".");
        }

        _ = PropertyArgument.UserProperties(Client.Properties, "subscribe");
        _ = PropertyArgument.UserProperties(Client.Properties, "disconnect");
        foreach (var p in Client.Properties.Where(p => p.Command is "unsubscribe" or "auth" || p is { Command: "publish", Name: "topic-alias" or "response-topic" }))
        {
            throw new UsageException($"-D {p.Command} {p.Name} is not supported by smqtt rr (the response topic is -e).");
        }

        if (_format is not null)
        {
            MessageFormatter.Validate(_format);
            Format = new OutputFormat(_format, Pretty);
        }

        Client.Validate();
    }
}
