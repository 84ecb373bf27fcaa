using System.Globalization;

namespace SecureMqtt.Benchmarks.EndToEnd;

/// <summary>One fixed-width line per run, readable in a terminal and pasteable into Markdown.</summary>
internal static class ThroughputTable
{
    public const string Header =
        "| transport | publisher -> subscriber          | QoS | payload | messages |    msg/s |   MB/s |     B/msg (who) | our CPU | broker CPU |\n" +
        "|-----------|----------------------------------|-----|---------|----------|----------|--------|-----------------|---------|------------|";

    public static string Row(ThroughputResult r)
    {
        var size = r.Size >= 1024 && r.Size % 1024 == 0 ? $"{r.Size / 1024} KB" : $"{r.Size} B";
        if (r.Error is not null)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"| {r.Transport,-9} | {r.Pair,-32} | {(int)r.QoS,3} | {size,7} | {r.Count,8} | {r.Error} |");
        }

        var allocated = r.AllocatedPerMessage is { } a ? $"{a,5:F0} ({r.AllocatedBy})" : "-";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {r.Transport,-9} | {r.Pair,-32} | {(int)r.QoS,3} | {size,7} | {r.Count,8} | {r.MessagesPerSecond,8:F0} | {r.MegabytesPerSecond,6:F2} | " +
            $"{allocated,15} | {r.OwnCpuPercent,6:F0}% | {r.BrokerCpuPercent,9:F0}% |");
    }
}
