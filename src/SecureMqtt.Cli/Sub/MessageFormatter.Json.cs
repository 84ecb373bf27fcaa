using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SecureMqtt.Cli.Sub;

internal static partial class MessageFormatter
{
    /// <summary>
    /// %j and %J in mosquitto's field order, compact or (--pretty) in the layout of mosquitto's JSON library:
    /// a member per line indented by tabs, a tab after each colon, array elements separated by ", ". Strings are
    /// escaped as that library does (control characters as \u00xx; other bytes, including invalid UTF-8, are
    /// written as they are).
    /// </summary>
    private static class Json
    {
        public static bool IsValid(ReadOnlySpan<byte> payload)
        {
            var reader = new Utf8JsonReader(payload);
            try
            {
                return JsonDocument.TryParseValue(ref reader, out var document) && document is not null && Dispose(document);
            }
            catch (JsonException)
            {
                return false;
            }
        }

        public static void Write(IBufferWriter<byte> output, MqttMessage message, DateTimeOffset received, bool rawPayload, bool pretty)
        {
            var local = received.ToLocalTime();
            var tst = local.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "Z" + Offset(received);
            var w = new Writer(output, pretty);
            w.BeginObject();
            w.Name("tst").String(tst);
            w.Name("topic").String(message.Topic);
            w.Name("qos").Number((int)message.QualityOfService);
            w.Name("retain").Number(message.Retain ? 1 : 0);
            w.Name("payloadlen").Number(message.Payload.Length);
            if (message.PacketId is { } mid)
            {
                // mosquitto_sub adds the packet id for QoS 1 and 2 only, between payloadlen and properties.
                w.Name("mid").Number(mid);
            }

            WriteProperties(w, message);
            w.Name("payload");
            if (message.Payload.IsEmpty)
            {
                w.Raw("null");
            }
            else if (rawPayload && pretty)
            {
                // mosquitto parses a %J payload into its JSON tree, so --pretty lays it out like the rest.
                using var document = JsonDocument.Parse(message.Payload);
                w.Element(document.RootElement);
            }
            else if (rawPayload)
            {
                w.Raw(message.Payload.Span);
            }
            else
            {
                w.String(message.Payload.Span);
            }

            w.EndObject();
        }

        private static void WriteProperties(Writer w, MqttMessage m)
        {
            if (m.PayloadFormat is null && m.MessageExpiry is null && m.ContentType is null && m.ResponseTopic is null
                && m.CorrelationData is null && m.SubscriptionIdentifiers.Count == 0 && m.UserProperties.Count == 0)
            {
                return;
            }

            w.Name("properties").BeginObject();
            if (m.PayloadFormat is { } format)
            {
                w.Name("payload-format-indicator").Number((int)format);
            }

            if (m.MessageExpiry is { } expiry)
            {
                w.Name("message-expiry-interval").Number((long)expiry.TotalSeconds);
            }

            if (m.ContentType is { } contentType)
            {
                w.Name("content-type").String(contentType);
            }

            if (m.ResponseTopic is { } responseTopic)
            {
                w.Name("response-topic").String(responseTopic);
            }

            if (m.CorrelationData is { } data)
            {
                w.Name("correlation-data").String(Encoding.UTF8.GetString(data.Span));
            }

            if (m.SubscriptionIdentifiers.Count > 0)
            {
                w.Name("subscription-identifier").Number(m.SubscriptionIdentifiers[0]);
            }

            if (m.UserProperties.Count > 0)
            {
                w.Name("user-properties").BeginObject();
                foreach (var p in m.UserProperties)
                {
                    w.Name(p.Name).String(p.Value);
                }

                w.EndObject();
            }

            w.EndObject();
        }

        private static bool Dispose(JsonDocument document)
        {
            document.Dispose();
            return true;
        }

        /// <summary>Writes JSON compact or pretty; tracks nesting so members and elements get their separators.</summary>
        private sealed class Writer(IBufferWriter<byte> output, bool pretty)
        {
            private readonly Stack<bool> _empty = new();

            public Writer Name(string name)
            {
                Separate(",", pretty ? ",\n" : ",");
                Indent(_empty.Count);
                String(name);
                Raw(pretty ? ":\t" : ":");
                return this;
            }

            public void BeginObject()
            {
                Raw(pretty ? "{\n" : "{");
                _empty.Push(true);
            }

            public void EndObject()
            {
                var empty = _empty.Pop();
                if (pretty && !empty)
                {
                    Raw("\n");
                }

                Indent(_empty.Count);
                Raw("}");
            }

            public void Number(long value) => Raw(value.ToString(CultureInfo.InvariantCulture));

            public void String(string text) => String(Encoding.UTF8.GetBytes(text));

            public void String(ReadOnlySpan<byte> bytes)
            {
                Raw("\"");
                foreach (var b in bytes)
                {
                    switch (b)
                    {
                        case (byte)'"':
                            Raw("\\\"");
                            break;
                        case (byte)'\\':
                            Raw("\\\\");
                            break;
                        case (byte)'\b':
                            Raw("\\b");
                            break;
                        case (byte)'\f':
                            Raw("\\f");
                            break;
                        case (byte)'\n':
                            Raw("\\n");
                            break;
                        case (byte)'\r':
                            Raw("\\r");
                            break;
                        case (byte)'\t':
                            Raw("\\t");
                            break;
                        case < 0x20:
                            Raw(string.Create(CultureInfo.InvariantCulture, $"\\u{b:x4}"));
                            break;
                        default:
                            output.Write([b]);
                            break;
                    }
                }

                Raw("\"");
            }

            /// <summary>A parsed JSON value, re-printed as mosquitto's JSON library prints its tree.</summary>
            public void Element(JsonElement element)
            {
                switch (element.ValueKind)
                {
                    case JsonValueKind.Object:
                        BeginObject();
                        foreach (var member in element.EnumerateObject())
                        {
                            Name(member.Name).Element(member.Value);
                        }

                        EndObject();
                        break;
                    case JsonValueKind.Array:
                        // Arrays nest like objects (their objects indent one level deeper) but stay on one line.
                        Raw("[");
                        _empty.Push(true);
                        foreach (var item in element.EnumerateArray())
                        {
                            Separate(pretty ? ", " : ",", pretty ? ", " : ",");
                            Element(item);
                        }

                        _empty.Pop();
                        Raw("]");
                        break;
                    case JsonValueKind.String:
                        String(element.GetString()!);
                        break;
                    case JsonValueKind.Number:
                        Raw(element.TryGetDouble(out var number) ? FormatNumber(number) : "null");
                        break;
                    default:
                        // true, false, null
                        Raw(element.GetRawText());
                        break;
                }
            }

            public void Raw(string text) => Encoding.UTF8.GetBytes(text, output);

            public void Raw(ReadOnlySpan<byte> bytes) => output.Write(bytes);

            /// <summary>
            /// Numbers as mosquitto's JSON library prints a double: a whole number within int as an integer,
            /// otherwise the shortest of 15 or 17 significant digits that reads back the same, C's %g style.
            /// </summary>
            private static string FormatNumber(double value)
            {
                if (double.IsNaN(value) || double.IsInfinity(value))
                {
                    return "null";
                }

                if (value == Math.Truncate(value) && value is >= int.MinValue and <= int.MaxValue)
                {
                    return ((int)value).ToString(CultureInfo.InvariantCulture);
                }

                var text = value.ToString("G15", CultureInfo.InvariantCulture);
                if (double.Parse(text, CultureInfo.InvariantCulture) != value)
                {
                    text = value.ToString("G17", CultureInfo.InvariantCulture);
                }

                return text.Replace('E', 'e');
            }

            private void Separate(string compact, string formatted)
            {
                if (_empty.Count == 0)
                {
                    return;
                }

                if (_empty.Peek())
                {
                    _empty.Pop();
                    _empty.Push(false);
                }
                else
                {
                    Raw(pretty ? formatted : compact);
                }
            }

            private void Indent(int depth)
            {
                if (pretty)
                {
                    for (var i = 0; i < depth; i++)
                    {
                        Raw("\t");
                    }
                }
            }
        }
    }
}
