using System.Text;
using System.Text.Json;
using SecureMqtt.Cli.Common;

namespace SecureMqtt.Cli.Doctor;

/// <summary>Prints the walk for people (one line per step, details indented) or as JSON for machines.</summary>
internal static class DoctorReport
{
    public static void WriteText(CliStreams streams, string target, IReadOnlyList<DoctorStep> steps)
    {
        var text = new StringBuilder();
        text.Append("smqtt doctor: ").Append(target).Append('\n');
        var number = 0;
        foreach (var step in steps)
        {
            number++;
            var mark = step.Status switch
            {
                StepStatus.Ok => "  OK  ",
                StepStatus.Failed => "FAILED",
                StepStatus.Skipped => " skip ",
                _ => "  --  ",
            };
            text.Append('[').Append(mark).Append("] ").Append(number).Append(". ").Append(step.Title);
            if (step.Status == StepStatus.NotReached)
            {
                text.Append(": not reached");
            }

            text.Append('\n');
            foreach (var detail in step.Details)
            {
                text.Append("           ").Append(detail).Append('\n');
            }

            if (step.Status == StepStatus.Failed)
            {
                text.Append("           reason: ").Append(step.Reason).Append('\n');
                text.Append("           fix:    ").Append(step.Fix).Append('\n');
            }
        }

        var failed = steps.FirstOrDefault(s => s.Status == StepStatus.Failed);
        text.Append(failed is null ? "Result: OK, every step passed.\n" : $"Result: FAILED at step {steps.ToList().IndexOf(failed) + 1} ({failed.Title}, {failed.Kind}).\n");
        streams.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    public static void WriteJson(CliStreams streams, string host, int port, IReadOnlyList<DoctorStep> steps)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("host", host);
            json.WriteNumber("port", port);
            json.WriteBoolean("ok", steps.All(s => s.Status != StepStatus.Failed));
            json.WriteString("failedStep", steps.FirstOrDefault(s => s.Status == StepStatus.Failed)?.Id);
            json.WriteStartArray("steps");
            foreach (var step in steps)
            {
                json.WriteStartObject();
                json.WriteString("id", step.Id);
                json.WriteString("title", step.Title);
                json.WriteString("status", step.Status switch
                {
                    StepStatus.Ok => "ok",
                    StepStatus.Failed => "failed",
                    StepStatus.Skipped => "skipped",
                    _ => "not-reached",
                });
                json.WriteStartArray("details");
                foreach (var detail in step.Details)
                {
                    json.WriteStringValue(detail);
                }

                json.WriteEndArray();
                if (step.Status == StepStatus.Failed)
                {
                    json.WriteString("kind", step.Kind);
                    json.WriteString("reason", step.Reason);
                    json.WriteString("fix", step.Fix);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        streams.Write(buffer.ToArray());
    }
}
