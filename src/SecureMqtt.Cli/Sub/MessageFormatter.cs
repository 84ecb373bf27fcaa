using System.Buffers;
using System.Globalization;
using System.Text;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Sub;

/// <summary>-F's format, and whether --pretty lays out the JSON of %j and %J over several lines.</summary>
internal sealed record OutputFormat(string Text, bool Pretty);

/// <summary>
/// mosquitto_sub's -F: %-parameters of the message (with mosquitto's flags, field width and maximum width), @-time
/// fields passed through to strftime-like formatting, and \-escapes; see mosquitto_sub(1), OUTPUT FORMAT.
/// </summary>
internal static partial class MessageFormatter
{
    /// <summary>Rejects what mosquitto_sub rejects at start-up: a format ending in a lone % or \.</summary>
    public static void Validate(string format)
    {
        if (format.Length == 0)
        {
            throw new Common.UsageException("-F: the format must not be empty.");
        }
    }

    public static void Write(IBufferWriter<byte> output, OutputFormat outputFormat, MqttMessage message, DateTimeOffset received, TextWriter error)
    {
        var format = outputFormat.Text;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c == '%' && i + 1 < format.Length)
            {
                i = WriteParameter(output, format, i + 1, outputFormat.Pretty, message, received, error);
            }
            else if (c == '@' && i + 1 < format.Length)
            {
                i++;
                WriteText(output, format[i] == '@' ? "@" : Strftime(format[i], received));
            }
            else if (c == '\\' && i + 1 < format.Length)
            {
                i++;
                WriteText(output, format[i] switch
                {
                    '\\' => "\\",
                    '0' => "\0",
                    'a' => "\a",
                    'e' => "\u001b",
                    'n' => "\n",
                    'r' => "\r",
                    't' => "\t",
                    'v' => "\v",
                    var other => "\\" + other,
                });
            }
            else
            {
                WriteText(output, c.ToString());
            }
        }
    }

    /// <summary>Parses <c>[-0][width][.max]letter</c> at <paramref name="start"/> and writes it; returns the index of the letter.</summary>
    private static int WriteParameter(IBufferWriter<byte> output, string format, int start, bool pretty, MqttMessage message, DateTimeOffset received, TextWriter error)
    {
        var i = start;
        bool left = false, zero = false;
        for (; i < format.Length && format[i] is '-' or '0'; i++)
        {
            left |= format[i] == '-';
            zero |= format[i] == '0';
        }

        var width = ReadNumber(format, ref i);
        int? max = null;
        if (i < format.Length && format[i] == '.')
        {
            i++;
            max = ReadNumber(format, ref i);
        }

        if (i >= format.Length)
        {
            return format.Length - 1;
        }

        var field = new Field(width, max, left, zero && !left);
        var payload = message.Payload.Span;
        switch (format[i])
        {
            case '%':
                WriteText(output, "%");
                break;
            case 't':
                WriteText(output, field.Text(message.Topic));
                break;
            case 'p':
                output.Write(payload);
                break;
            case 'q':
                // Neither width nor flags apply to %q and %r (mosquitto_sub(1), Field width).
                WriteText(output, ((int)message.QualityOfService).ToString(CultureInfo.InvariantCulture));
                break;
            case 'r':
                WriteText(output, message.Retain ? "1" : "0");
                break;
            case 'l':
                WriteText(output, field.Number(payload.Length));
                break;
            case 'm':
                // mosquitto prints 0 for QoS 0, which has no packet id.
                WriteText(output, field.Number(message.PacketId ?? 0));
                break;
            case 'x' or 'X':
                WriteText(output, (field with { Max = null }).Text(format[i] == 'x' ? Convert.ToHexStringLower(payload) : Convert.ToHexString(payload), numeric: true));
                break;
            case 'I':
                WriteText(output, field.Text(Iso8601(received)));
                break;
            case 'U':
                WriteText(output, UnixTime(received));
                break;
            case 'j':
                Json.Write(output, message, received, rawPayload: false, pretty);
                break;
            case 'J':
                // An empty payload is not JSON, but mosquitto_sub prints it as "payload":null, as %j does.
                if (!payload.IsEmpty && !Json.IsValid(payload))
                {
                    error.WriteLine($"Error: Message payload is not valid JSON on topic {message.Topic}");
                    break;
                }

                Json.Write(output, message, received, rawPayload: true, pretty);
                break;
            case 'C':
                WriteText(output, field.Text(message.ContentType ?? string.Empty));
                break;
            case 'R':
                // Unlike %C, mosquitto_sub 2.0.11 pads nothing when the message has no response topic.
                WriteText(output, message.ResponseTopic is { } responseTopic ? field.Text(responseTopic) : string.Empty);
                break;
            case 'D':
                output.Write(message.CorrelationData is { } data ? data.Span : []);
                break;
            case 'E':
                WriteText(output, message.MessageExpiry is { } expiry ? field.Number((long)expiry.TotalSeconds) : field.Absent());
                break;
            case 'F':
                WriteText(output, message.PayloadFormat is { } f ? field.Number((int)f) : field.Absent());
                break;
            case 'S':
                WriteText(output, message.SubscriptionIdentifiers.Count > 0 ? field.Number(message.SubscriptionIdentifiers[0]) : field.Absent());
                break;
            case 'P':
                WriteText(output, string.Join(' ', message.UserProperties.Select(p => $"{p.Name}:{p.Value}")));
                break;
            case 'A':
                // The client resolves topic aliases and keeps the alias to itself, so a message never carries one
                // here. Nor does it from Mosquitto 2.0.11, which sends subscribers full topics and no alias.
                WriteText(output, field.Absent());
                break;
            default:
                // mosquitto prints nothing for an unknown parameter.
                break;
        }

        return i;
    }

    private static int ReadNumber(string format, ref int i)
    {
        var value = 0;
        for (; i < format.Length && char.IsAsciiDigit(format[i]); i++)
        {
            value = (value * 10) + (format[i] - '0');
        }

        return value;
    }

    private static void WriteText(IBufferWriter<byte> output, string text) => Encoding.UTF8.GetBytes(text, output);

    /// <summary>mosquitto's %I: local time with a numeric offset and no colon, e.g. 2016-08-10T09:47:38+0100.</summary>
    private static string Iso8601(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Offset(time);

    internal static string Offset(DateTimeOffset time)
    {
        var offset = time.ToLocalTime().Offset;
        return (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString("hhmm", CultureInfo.InvariantCulture);
    }

    private static string UnixTime(DateTimeOffset time)
    {
        var ticks = time.UtcTicks - DateTime.UnixEpoch.Ticks;
        return string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond * 100:D9}");
    }

    private readonly record struct Field(int Width, int? Max, bool Left, bool Zero)
    {
        public string Text(string value, bool numeric = false)
        {
            if (Max is { } max && value.Length > max)
            {
                value = value[..max];
            }

            return Left ? value.PadRight(Width) : value.PadLeft(Width, Zero && numeric ? '0' : ' ');
        }

        // A maximum width applies to text fields only (%C %I %R %t).
        public string Number(long value) => (this with { Max = null }).Text(value.ToString(CultureInfo.InvariantCulture), numeric: true);

        /// <summary>
        /// A numeric property the message lacks (%A %E %F %S): mosquitto_sub 2.0.11 still fills the field width,
        /// with zeros under the 0 flag ("%05E" prints 00000), as an empty number.
        /// </summary>
        public string Absent() => (this with { Max = null }).Text(string.Empty, numeric: true);
    }
}
