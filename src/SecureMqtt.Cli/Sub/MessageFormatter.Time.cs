using System.Globalization;

namespace SecureMqtt.Cli.Sub;

internal static partial class MessageFormatter
{
    /// <summary>The common strftime conversions for -F's @X sequences (local time), plus mosquitto's @N nanoseconds.</summary>
    private static string Strftime(char conversion, DateTimeOffset time)
    {
        var t = time.ToLocalTime();
        var c = CultureInfo.InvariantCulture;
        return conversion switch
        {
            'Y' => t.ToString("yyyy", c),
            'y' => t.ToString("yy", c),
            'm' => t.ToString("MM", c),
            'd' => t.ToString("dd", c),
            'e' => t.Day.ToString(c).PadLeft(2),
            'H' => t.ToString("HH", c),
            'I' => t.ToString("hh", c),
            'M' => t.ToString("mm", c),
            'S' => t.ToString("ss", c),
            'p' => t.Hour < 12 ? "AM" : "PM",
            'j' => t.DayOfYear.ToString("D3", c),
            'a' => t.ToString("ddd", c),
            'A' => t.ToString("dddd", c),
            'b' or 'h' => t.ToString("MMM", c),
            'B' => t.ToString("MMMM", c),
            'F' => t.ToString("yyyy-MM-dd", c),
            'T' => t.ToString("HH:mm:ss", c),
            'R' => t.ToString("HH:mm", c),
            'D' => t.ToString("MM/dd/yy", c),
            'z' => Offset(time),
            's' => time.ToUnixTimeSeconds().ToString(c),
            'N' => ((time.UtcTicks % TimeSpan.TicksPerSecond) * 100).ToString("D9", c),
            'n' => "\n",
            't' => "\t",
            '%' => "%",
            _ => "@" + conversion,
        };
    }
}
