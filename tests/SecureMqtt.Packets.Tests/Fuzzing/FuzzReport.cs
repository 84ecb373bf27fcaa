using System.Text;

namespace SecureMqtt.Packets.Tests.Fuzzing;

/// <summary>An input that made the decoder do something other than decode or throw MqttProtocolException.</summary>
public sealed record FuzzCrash(MqttProtocolVersion Version, string InputHex, string Failure);

/// <summary>What a fuzzing run saw.</summary>
public sealed class FuzzReport
{
    public long Inputs { get; set; }

    public long PacketsDecoded { get; set; }

    public long NeededMoreData { get; set; }

    public TimeSpan Elapsed { get; set; }

    /// <summary>How often each (reason code, rule) rejection occurred: the distinct outcomes.</summary>
    public Dictionary<(MqttReasonCode ReasonCode, string? Rule), long> Rejections { get; } = [];

    public List<FuzzCrash> Crashes { get; } = [];

    public double InputsPerSecond => Inputs / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public string Summarize(int maxCrashes = 20)
    {
        var text = new StringBuilder();
        text.AppendLine($"inputs tried:     {Inputs:N0} in {Elapsed.TotalSeconds:F1} s ({InputsPerSecond:N0}/s)");
        text.AppendLine($"packets decoded:  {PacketsDecoded:N0}");
        text.AppendLine($"waits for data:   {NeededMoreData:N0}");
        text.AppendLine($"distinct outcomes: {Rejections.Count} rejection kinds");
        foreach (var ((code, rule), count) in Rejections.OrderByDescending(r => r.Value))
        {
            text.AppendLine($"  {count,12:N0}  {code,-28} {rule ?? "-"}");
        }

        text.AppendLine($"crashes:          {Crashes.Count}");
        foreach (var crash in Crashes.Take(maxCrashes))
        {
            text.AppendLine($"  {crash.Version} {crash.InputHex}");
            text.AppendLine($"    {crash.Failure}");
        }

        return text.ToString();
    }
}
