namespace SecureMqtt.Testing;

/// <summary>Which way bytes flow through a <see cref="FaultProxy"/>; a flags value so one setting can cover both.</summary>
[Flags]
public enum ProxyDirection
{
    /// <summary>Neither direction.</summary>
    None = 0,

    /// <summary>From the connecting client to the upstream server (the broker).</summary>
    ClientToUpstream = 1,

    /// <summary>From the upstream server (the broker) back to the client.</summary>
    UpstreamToClient = 2,

    /// <summary>Both directions.</summary>
    Both = ClientToUpstream | UpstreamToClient,
}

/// <summary>The kinds of fault a <see cref="FaultProxy"/> injects, counted in <see cref="FaultProxy.FaultCount"/>.</summary>
public enum FaultKind
{
    /// <summary>Both sides of the open connections closed gracefully (FIN).</summary>
    Close,

    /// <summary>Both sides of the open connections closed abortively (RST).</summary>
    Reset,

    /// <summary>Relaying stopped without closing (a half-open connection), later reset.</summary>
    Stall,

    /// <summary>A period of relaying in 1 to 3 byte chunks.</summary>
    Fragmentation,

    /// <summary>A period of delaying every relayed chunk.</summary>
    Delay,

    /// <summary>New connections refused.</summary>
    Refuse,

    /// <summary>A connection cut right after a chosen MQTT packet (see <see cref="FaultProxy.CutAfterNextPacket"/>).</summary>
    CutAfterPacket,
}

/// <summary>
/// Which faults <see cref="FaultProxy.StartChaos"/> picks and how long the period faults last. A weight of zero
/// leaves a kind out; a kind is picked with probability weight / sum of weights.
/// </summary>
public sealed record FaultMix
{
    /// <summary>Every kind equally likely, with the default durations.</summary>
    public static FaultMix All { get; } = new();

    /// <summary>Weight of a graceful close of every open connection.</summary>
    public int Close { get; init; } = 1;

    /// <summary>Weight of a reset of every open connection.</summary>
    public int Reset { get; init; } = 1;

    /// <summary>Weight of a stall of every open connection, reset after <see cref="StallDuration"/>.</summary>
    public int Stall { get; init; } = 1;

    /// <summary>Weight of a period of 1 to 3 byte chunks in both directions.</summary>
    public int Fragmentation { get; init; } = 1;

    /// <summary>Weight of a period of per-chunk delays in both directions.</summary>
    public int Delay { get; init; } = 1;

    /// <summary>How long a stalled connection stays silent before it is reset; long enough for keep-alive to notice.</summary>
    public TimeSpan StallDuration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a fragmentation period lasts.</summary>
    public TimeSpan FragmentationDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a delay period lasts.</summary>
    public TimeSpan DelayDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest per-chunk delay of a delay period (each chunk waits a seeded random time up to it).</summary>
    public TimeSpan MaximumDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    internal int TotalWeight => Close + Reset + Stall + Fragmentation + Delay;

    internal FaultKind Pick(int roll)
    {
        // roll is in [0, TotalWeight): walk the weights in a fixed order so a seed always maps to the same kind.
        foreach (var (kind, weight) in new[]
        {
            (FaultKind.Close, Close), (FaultKind.Reset, Reset), (FaultKind.Stall, Stall),
            (FaultKind.Fragmentation, Fragmentation), (FaultKind.Delay, Delay),
        })
        {
            if (roll < weight)
            {
                return kind;
            }

            roll -= weight;
        }

        throw new InvalidOperationException("The roll is outside the total weight.");
    }
}

/// <summary>What the two ends of one proxied connection sent first (see <see cref="FaultProxy.RecordOpenings"/>).</summary>
/// <param name="FromClient">The first bytes the client sent.</param>
/// <param name="FromUpstream">The first bytes the server sent.</param>
public sealed record ProxyOpening(byte[] FromClient, byte[] FromUpstream);
