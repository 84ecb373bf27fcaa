using System.Diagnostics;

namespace SecureMqtt.Testing.Faults;

/// <summary>
/// Watches one client's lifecycle events: how many connections replaced a lost one, and how long each took, from
/// the Disconnected event (the loss) to the next Connected event (the session restored).
/// </summary>
internal sealed class ReconnectClock
{
    private readonly Lock _lock = new();
    private readonly List<TimeSpan> _durations = [];
    private long? _lostAt;
    private int _reconnects;
    private int _freshSessions;

    public ReconnectClock(MqttClient client)
    {
        ClientId = client.Options.ClientId;
        client.Disconnected += (_, e) =>
        {
            lock (_lock)
            {
                // The first loss of a series counts: attempts that fail on the way do not restart the clock.
                _lostAt ??= Stopwatch.GetTimestamp();
            }
        };
        client.Connected += (_, e) =>
        {
            if (!e.IsReconnect)
            {
                return;
            }

            lock (_lock)
            {
                _reconnects++;
                _freshSessions += e.SessionPresent ? 0 : 1;
                if (_lostAt is { } lostAt)
                {
                    _durations.Add(Stopwatch.GetElapsedTime(lostAt));
                    _lostAt = null;
                }
            }
        };
    }

    public string ClientId { get; }

    /// <summary>Reconnects after which the broker had no session for the client (CONNACK session present 0).</summary>
    public int FreshSessions
    {
        get
        {
            lock (_lock)
            {
                return _freshSessions;
            }
        }
    }

    public int Reconnects
    {
        get
        {
            lock (_lock)
            {
                return _reconnects;
            }
        }
    }

    public IReadOnlyList<TimeSpan> Durations
    {
        get
        {
            lock (_lock)
            {
                return [.. _durations];
            }
        }
    }

    /// <summary>The nearest-rank percentile of <paramref name="values"/>, or null when there are none.</summary>
    public static TimeSpan? Percentile(IEnumerable<TimeSpan> values, double percent)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
