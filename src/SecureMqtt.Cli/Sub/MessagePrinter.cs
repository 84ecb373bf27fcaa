using System.Buffers;
using System.Text;

namespace SecureMqtt.Cli.Sub;

/// <summary>One received message as mosquitto_sub (and mosquitto_rr, which shares its printing) prints it.</summary>
internal static class MessagePrinter
{
    /// <summary>Writes <paramref name="message"/> into <paramref name="line"/>; false when nothing is to be printed at all.</summary>
    public static bool Write(ArrayBufferWriter<byte> line, MqttMessage message, OutputFormat? format, bool verbose, bool noEndOfLine, TextWriter error)
    {
        line.ResetWrittenCount();
        var payload = message.Payload.Span;
        if (format is not null)
        {
            MessageFormatter.Write(line, format, message, DateTimeOffset.Now, error);
        }
        else if (verbose)
        {
            Encoding.UTF8.GetBytes(message.Topic, line);
            if (payload.IsEmpty)
            {
                Encoding.UTF8.GetBytes(" (null)", line);
            }
            else
            {
                line.Write(" "u8);
                line.Write(payload);
            }
        }
        else if (payload.IsEmpty)
        {
            // mosquitto_sub prints nothing at all, not even the end of line, for an empty payload.
            return false;
        }
        else
        {
            line.Write(payload);
        }

        if (!noEndOfLine)
        {
            line.Write("\n"u8);
        }

        return true;
    }
}
