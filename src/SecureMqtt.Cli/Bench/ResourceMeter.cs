using System.Diagnostics;
using System.Globalization;

namespace SecureMqtt.Cli.Bench;

/// <summary>
/// What a run cost, between <see cref="Start"/> and <see cref="Stop"/>: this process's CPU time and bytes allocated
/// (all threads), its peak resident memory, and the broker's CPU time from /proc/PID/stat when its pid is known.
/// </summary>
internal sealed class ResourceMeter(int? brokerPid)
{
    // USER_HZ: the unit of utime/stime in /proc/PID/stat, 100 on Linux (sysconf(_SC_CLK_TCK) everywhere it runs).
    private const double ClockTicksPerSecond = 100;

    private long _startTimestamp;
    private TimeSpan _startCpu;
    private long _startAllocated;
    private TimeSpan? _startBrokerCpu;
    private bool _stopped;

    public TimeSpan Wall { get; private set; }

    public TimeSpan Cpu { get; private set; }

    public long AllocatedBytes { get; private set; }

    public double PeakRssMegabytes { get; private set; }

    /// <summary>The broker's CPU time over the wall time, in percent of one core; null without --broker-pid.</summary>
    public double? BrokerCpuPercent { get; private set; }

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    public void Start()
    {
        _startAllocated = GC.GetTotalAllocatedBytes(precise: true);
        _startCpu = OwnCpu();
        _startBrokerCpu = BrokerCpu();
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Ends the measurement; later calls change nothing (a mode that stops early keeps its figures).</summary>
    /// <param name="endTimestamp">The <see cref="Stopwatch"/> timestamp the wall time runs to (tput: the last message received); null for now.</param>
    public void Stop(long? endTimestamp = null)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        if (_startTimestamp == 0)
        {
            // The run failed before measuring began: zeros, not the time since the machine started.
            return;
        }

        Wall = Stopwatch.GetElapsedTime(_startTimestamp, endTimestamp ?? Stopwatch.GetTimestamp());
        Cpu = OwnCpu() - _startCpu;
        AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - _startAllocated;
        using (var self = Process.GetCurrentProcess())
        {
            PeakRssMegabytes = self.PeakWorkingSet64 / (1024.0 * 1024.0);
        }

        if (_startBrokerCpu is { } before && BrokerCpu() is { } after && Wall > TimeSpan.Zero)
        {
            BrokerCpuPercent = 100 * (after - before).TotalSeconds / Wall.TotalSeconds;
        }
    }

    /// <summary>This process's resident memory now (VmRSS), in MB.</summary>
    public static double CurrentRssMegabytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64 / (1024.0 * 1024.0);
    }

    private static TimeSpan OwnCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private TimeSpan? BrokerCpu()
    {
        if (brokerPid is not { } pid)
        {
            return null;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");

            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            // utime and stime are fields 14 and 15, so the 12th and 13th after it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length < 13)
            {
                throw new FormatException("fewer fields than utime and stime need");
            }

            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new CliException($"--broker-pid {pid}: cannot read /proc/{pid}/stat ({ex.Message.TrimEnd('.')}); is the broker running on this machine?", ex);
        }
    }
}
