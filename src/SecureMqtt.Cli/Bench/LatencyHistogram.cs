namespace SecureMqtt.Cli.Bench;

/// <summary>
/// Latencies in microseconds, counted into log-linear buckets (exact below 64 us, then 32 buckets per power of two,
/// so within ~3%): recording is one interlocked increment, with nothing allocated however many messages a run
/// measures, and clients record concurrently.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearBuckets = 64;
    private const int SubBuckets = 32;
    private const int SubBucketBits = 5;
    private const int FirstExponent = 6;
    private readonly long[] _counts = new long[LinearBuckets + ((63 - FirstExponent) * SubBuckets)];
    private long _count;
    private long _max = -1;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>The largest value recorded, exactly (the buckets only bound it); null when nothing was recorded.</summary>
    public long? Max => Interlocked.Read(ref _max) is >= 0 and var max ? max : null;

    public void Record(long microseconds)
    {
        microseconds = Math.Max(0, microseconds);
        Interlocked.Increment(ref _counts[Index(microseconds)]);
        Interlocked.Increment(ref _count);
        var seen = Interlocked.Read(ref _max);
        while (microseconds > seen)
        {
            var before = Interlocked.CompareExchange(ref _max, microseconds, seen);
            if (before == seen)
            {
                break;
            }

            seen = before;
        }
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), as its bucket's midpoint; null when nothing was recorded.</summary>
    public long? Percentile(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Midpoint(i);
            }
        }

        return Midpoint(_counts.Length - 1);
    }

    private static int Index(long value)
    {
        if (value < LinearBuckets)
        {
            return (int)value;
        }

        var exponent = 63 - long.LeadingZeroCount(value);
        var sub = (int)(value >> (int)(exponent - SubBucketBits)) & (SubBuckets - 1);
        return LinearBuckets + ((int)(exponent - FirstExponent) * SubBuckets) + sub;
    }

    private static long Midpoint(int index)
    {
        if (index < LinearBuckets)
        {
            return index;
        }

        var exponent = ((index - LinearBuckets) / SubBuckets) + FirstExponent;
        var sub = (index - LinearBuckets) % SubBuckets;
        var width = 1L << (exponent - SubBucketBits);
        var low = (1L << exponent) + (sub * width);
        return low + (width / 2);
    }
}
