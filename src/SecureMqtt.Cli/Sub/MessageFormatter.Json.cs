using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SecureMqtt.Cli.Sub;

internal static partial class MessageFormatter
{
    /// <summary>
    /// %j and %J in mosquitto's field order and compact form. Strings are escaped as mosquitto's JSON library does
    /// (control characters as \u00xx; other bytes, including invalid UTF-8, are written as they are).
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

        public static void Write(IBufferWriter<byte> output, MqttMessage message, DateTimeOffset received, bool rawPayload)
        {
            var local = received.ToLocalTime();
            var tst = local.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "Z" + Offset(received);
            Text(output, "{\"tst\":");
            String(output, Encoding.UTF8.GetBytes(tst));
            Text(output, ",\"topic\":");
            String(output, Encoding.UTF8.GetBytes(message.Topic));
            Text(output, string.Create(CultureInfo.InvariantCulture,
                $",\"qos\":{(int)message.QualityOfService},\"retain\":{(message.Retain ? 1 : 0)},\"payloadlen\":{message.Payload.Length}"));
            if (message.PacketId is { } mid)
            {
                // mosquitto_sub adds the packet id for QoS 1 and 2 only, between payloadlen and properties.
                Text(output, string.Create(CultureInfo.InvariantCulture, $",\"mid\":{mid}"));
            }

            WriteProperties(output, message);
            Text(output, ",\"payload\":");
            if (message.Payload.IsEmpty)
            {
                Text(output, "null");
            }
            else if (rawPayload)
            {
                output.Write(message.Payload.Span);
            }
            else
            {
                String(output, message.Payload.Span);
            }

            Text(output, "}");
        }

        private static void WriteProperties(IBufferWriter<byte> output, MqttMessage m)
        {
            var fields = new List<string>();
            if (m.PayloadFormat is { } format)
            {
                fields.Add($"\"payload-format-indicator\":{(int)format}");
            }

            if (m.MessageExpiry is { } expiry)
            {
                fields.Add($"\"message-expiry-interval\":{(long)expiry.TotalSeconds}");
            }

            if (m.ContentType is { } contentType)
            {
                fields.Add($"\"content-type\":{Quote(contentType)}");
            }

            if (m.ResponseTopic is { } responseTopic)
            {
                fields.Add($"\"response-topic\":{Quote(responseTopic)}");
            }

            if (m.CorrelationData is { } data)
            {
                fields.Add($"\"correlation-data\":{Quote(Encoding.UTF8.GetString(data.Span))}");
            }

            if (m.SubscriptionIdentifiers.Count > 0)
            {
                fields.Add($"\"subscription-identifier\":{m.SubscriptionIdentifiers[0]}");
            }

            if (m.UserProperties.Count > 0)
            {
                fields.Add("\"user-properties\":{" + string.Join(',', m.UserProperties.Select(p => $"{Quote(p.Name)}:{Quote(p.Value)}")) + "}");
            }

            if (fields.Count > 0)
            {
                Text(output, ",\"properties\":{" + string.Join(',', fields) + "}");
            }
        }

        private static string Quote(string text)
        {
            var buffer = new ArrayBufferWriter<byte>();
            String(buffer, Encoding.UTF8.GetBytes(text));
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        private static void String(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
        {
            Text(output, "\"");
            foreach (var b in bytes)
            {
                switch (b)
                {
                    case (byte)'"':
                        Text(output, "\\\"");
                        break;
                    case (byte)'\\':
                        Text(output, "\\\\");
                        break;
                    case (byte)'\b':
                        Text(output, "\\b");
                        break;
                    case (byte)'\f':
                        Text(output, "\\f");
                        break;
                    case (byte)'\n':
                        Text(output, "\\n");
                        break;
                    case (byte)'\r':
                        Text(output, "\\r");
                        break;
                    case (byte)'\t':
                        Text(output, "\\t");
                        break;
                    case < 0x20:
                        Text(output, string.Create(CultureInfo.InvariantCulture, $"\\u{b:x4}"));
                        break;
                    default:
                        output.Write([b]);
                        break;
                }
            }

            Text(output, "\"");
        }

        private static void Text(IBufferWriter<byte> output, string text) => Encoding.UTF8.GetBytes(text, output);

        private static bool Dispose(JsonDocument document)
        {
            document.Dispose();
            return true;
        }
    }
}
