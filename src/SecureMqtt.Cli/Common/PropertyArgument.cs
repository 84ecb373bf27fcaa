using System.Globalization;
using System.Text;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Common;

/// <summary>One <c>-D command identifier value [value]</c>: an MQTT 5 property for CONNECT, PUBLISH, will, ...</summary>
internal sealed record PropertyArgument(string Command, string Name, string Value, string? Value2)
{
    private static readonly HashSet<string> Commands = ["connect", "publish", "subscribe", "unsubscribe", "disconnect", "auth", "will"];

    public static PropertyArgument Parse(ArgumentCursor cursor, string option)
    {
        var command = cursor.Value(option, "command").ToLowerInvariant();
        if (!Commands.Contains(command))
        {
            throw new UsageException($"Invalid command {command} given in {option}.");
        }

        var name = cursor.Value(option, "identifier").ToLowerInvariant();
        var value = cursor.Value(option, "value");
        var value2 = name == "user-property" ? cursor.Value(option, "value") : null;
        return new PropertyArgument(command, name, value, value2);
    }

    public UsageException NotSupported() =>
        new($"-D {Command} {Name} is not supported because the SecureMqtt client does not let applications set it on {Command.ToUpperInvariant()}.");

    /// <summary>The <c>user-property name value</c> pair.</summary>
    public MqttUserProperty UserProperty => new(Value, Value2!);

    /// <summary>
    /// Properties parsed into their own fields (<see cref="ClientArguments.DisconnectReasonString"/>,
    /// <see cref="ClientArguments.DisconnectSessionExpirySeconds"/>) rather than passed along as -D entries.
    /// </summary>
    private static readonly HashSet<(string Command, string Name)> CarriedSeparately =
    [
        ("disconnect", "reason-string"),
        ("disconnect", "session-expiry-interval"),
    ];

    /// <summary>
    /// The user properties given for <paramref name="command"/> (SUBSCRIBE, UNSUBSCRIBE, DISCONNECT), in order;
    /// any other property for it is refused, as the client has no place for it.
    /// </summary>
    public static IReadOnlyList<MqttUserProperty> UserProperties(IEnumerable<PropertyArgument> properties, string command, params string[] alsoAllowed)
    {
        var result = new List<MqttUserProperty>();
        foreach (var p in properties.Where(p => p.Command == command))
        {
            if (p.Name == "user-property")
            {
                result.Add(p.UserProperty);
            }
            else if (!alsoAllowed.Contains(p.Name) && !CarriedSeparately.Contains((p.Command, p.Name)))
            {
                throw p.NotSupported();
            }
        }

        return result;
    }

    /// <summary>Applies a message property (PUBLISH or will) to <paramref name="message"/>.</summary>
    public MqttMessage ApplyTo(MqttMessage message) => Name switch
    {
        "content-type" => message with { ContentType = Value },
        "response-topic" => message with { ResponseTopic = Value },
        "correlation-data" => message with { CorrelationData = Encoding.UTF8.GetBytes(Value) },
        "message-expiry-interval" => message with { MessageExpiry = TimeSpan.FromSeconds(UInt(uint.MaxValue)) },
        "payload-format-indicator" => message with { PayloadFormat = (MqttPayloadFormatIndicator)UInt(1) },
        "user-property" => message with { UserProperties = [.. message.UserProperties, UserProperty] },
        // Carried in PubArguments.TopicAlias: an alias belongs to the connection's PUBLISH packets, not the message.
        "topic-alias" when Command == "publish" => message,
        _ => throw NotSupported(),
    };

    public uint UInt(uint maximum)
    {
        if (!uint.TryParse(Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > maximum)
        {
            throw new UsageException($"Invalid value '{Value}' for property {Name} (expected 0..{maximum}).");
        }

        return number;
    }
}
