using System.Text;
using System.Text.Json;
using SecureMqtt.Cli.Common;
using Spectre.Console;

namespace SecureMqtt.Cli.Doctor;

/// <summary>Prints the walk for people (a tree of steps, details and fixes below each) or as JSON for machines.</summary>
internal static class DoctorReport
{
    /// <summary>
    /// A tree: the target at the root, one branch per step with its mark, and the step's details, reason and fix
    /// below it; then the result line. Colour and Unicode guides only on a terminal (see <see cref="ConsoleStyle"/>).
    /// </summary>
    public static void WriteText(CliStreams streams, string target, IReadOnlyList<DoctorStep> steps)
    {
        var style = streams.Style;
        var tree = new Tree(new Text($"smqtt doctor: {target}", style.Bold)) { Guide = style.Guide };
        var number = 0;
        foreach (var step in steps)
        {
            number++;
            var (mark, colour) = step.Status switch
            {
                StepStatus.Ok => ("[  OK  ]", Color.Green),
                StepStatus.Failed => ("[FAILED]", Color.Red),
                StepStatus.Skipped => ("[ skip ]", Color.Grey),
                _ => ("[  --  ]", Color.Grey),
            };
            var label = new Paragraph()
                .Append(mark, style.Paint(colour, step.Status == StepStatus.Failed ? Decoration.Bold : Decoration.None))
                .Append($" {number}. {step.Title}", step.Status == StepStatus.Failed ? style.Bold : Style.Plain);
            if (step.Status == StepStatus.NotReached)
            {
                label.Append(": not reached", style.Dim);
            }

            var node = tree.AddNode(label);
            foreach (var detail in step.Details)
            {
                node.AddNode(new Text(detail, step.Status == StepStatus.Skipped ? style.Dim : Style.Plain));
            }

            if (step.Status == StepStatus.Failed)
            {
                node.AddNode(new Paragraph().Append("reason: ", style.Paint(Color.Red, Decoration.Bold)).Append(step.Reason ?? string.Empty));
                node.AddNode(new Paragraph().Append("fix: ", style.Paint(Color.Yellow, Decoration.Bold)).Append(step.Fix ?? string.Empty, style.Paint(Color.Yellow)));
            }
        }

        var failed = steps.FirstOrDefault(s => s.Status == StepStatus.Failed);
        var result = failed is null
            ? new Text("Result: OK, every step passed.", style.Paint(Color.Green, Decoration.Bold))
            : new Text($"Result: FAILED at step {steps.ToList().IndexOf(failed) + 1} ({failed.Title}, {failed.Kind}).", style.Paint(Color.Red, Decoration.Bold));
        streams.Write(Encoding.UTF8.GetBytes(style.Render(tree, result, Text.NewLine)));
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
