using System.Diagnostics;
using System.Globalization;

namespace SecureMqtt.Benchmarks.EndToEnd;

/// <summary>CPU time used so far by this process and by another one (from /proc/&lt;pid&gt;/stat), to tell who is busy.</summary>
internal readonly record struct CpuSample(TimeSpan Own, TimeSpan Broker, long Ticks)
{
    // USER_HZ is 100 on every Linux the bench runs on; /proc reports utime/stime in those ticks.
    private const double ClockTicksPerSecond = 100;

    public static CpuSample Take(int? brokerPid)
    {
        using var self = Process.GetCurrentProcess();
        return new CpuSample(self.TotalProcessorTime, brokerPid is { } pid ? ReadProcStat(pid) : TimeSpan.Zero, Stopwatch.GetTimestamp());
    }

    /// <summary>Percent of one core used by (us, broker) between two samples.</summary>
    public static (double Own, double Broker) Percent(CpuSample start, CpuSample end)
    {
        var wall = Stopwatch.GetElapsedTime(start.Ticks, end.Ticks).TotalSeconds;
        return (100 * (end.Own - start.Own).TotalSeconds / wall, 100 * (end.Broker - start.Broker).TotalSeconds / wall);
    }

    private static TimeSpan ReadProcStat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }
}
