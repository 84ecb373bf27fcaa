using System.Buffers.Binary;

namespace SecureMqtt.Testing.Faults;

/// <summary>
/// Counts numbered messages as an application receives them: how often each number arrived. The number is the
/// payload's first four bytes (little-endian); the rest is filler up to the payload size. Numbers outside the run
/// (probes) are counted apart.
/// </summary>
internal sealed class DeliveryTally
{
    private readonly int[] _counts;
    private readonly int[] _firstPacketIds;
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _distinct;
    private long _deliveries;
    private long _probes;
    private int _resentAfterRelease;

    public DeliveryTally(int messages)
    {
        _counts = new int[messages];
        _firstPacketIds = new int[messages];
    }

    public int Messages => _counts.Length;

    public int Distinct => Volatile.Read(ref _distinct);

    public long Deliveries => Interlocked.Read(ref _deliveries);

    public long Probes => Interlocked.Read(ref _probes);

    /// <summary>Completes when every number arrived at least once.</summary>
    public Task Complete => _complete.Task;

    public static byte[] Payload(int number, int size)
    {
        var payload = new byte[Math.Max(size, sizeof(int))];
        BinaryPrimitives.WriteInt32LittleEndian(payload, number);
        payload.AsSpan(sizeof(int)).Fill((byte)'.');
        return payload;
    }

    public int Count(int number) => Volatile.Read(ref _counts[number]);

    public bool Has(int number) => Count(number) > 0;

    /// <summary>Deliveries beyond the first, over all numbers.</summary>
    public int Duplicates()
    {
        var duplicates = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            duplicates += Math.Max(0, Count(i) - 1);
        }

        return duplicates;
    }

    /// <summary>
    /// QoS 2 deliveries beyond the first that the broker sent again under the packet id of the first, with DUP set:
    /// the client delivers a QoS 2 message only while its id is not held, and holds it from the first delivery
    /// until PUBREL, so such a copy means the broker sent the PUBLISH again after its PUBREL, which
    /// [MQTT-4.3.3-6] forbids (unless it also forgot the session, which the scenarios report on their own).
    /// </summary>
    public int ResentAfterRelease => Volatile.Read(ref _resentAfterRelease);

    public ValueTask OnMessageAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var number = Record(message.Payload.Span);
        if (number >= 0 && message.QualityOfService == Packets.MqttQualityOfService.ExactlyOnce && message.PacketId is { } id)
        {
            // Deliveries come one at a time from the client's dispatch loop; the first one's id is kept.
            if (Interlocked.CompareExchange(ref _firstPacketIds[number], id, 0) != 0 && message.Duplicate && Volatile.Read(ref _firstPacketIds[number]) == id)
            {
                Interlocked.Increment(ref _resentAfterRelease);
            }
        }

        return ValueTask.CompletedTask;
    }

    public static int NumberOf(ReadOnlySpan<byte> payload) => payload.Length >= sizeof(int) ? BinaryPrimitives.ReadInt32LittleEndian(payload) : -1;

    /// <summary>Counts one delivery; returns its message number, or -1 for a probe.</summary>
    public int Record(ReadOnlySpan<byte> payload)
    {
        var number = NumberOf(payload);
        if ((uint)number >= (uint)_counts.Length)
        {
            Interlocked.Increment(ref _probes);
            return -1;
        }

        Interlocked.Increment(ref _deliveries);
        if (Interlocked.Increment(ref _counts[number]) == 1 && Interlocked.Increment(ref _distinct) == _counts.Length)
        {
            _complete.TrySetResult();
        }

        return number;
    }

    /// <summary>
    /// Waits until every message arrived, or until none arrived for <paramref name="quiet"/> while
    /// <paramref name="subscriber"/> stayed connected: a run that loses messages ends with a count instead of
    /// hanging, one that delivers them all ends at once, and a subscriber still finding out that its link stalled
    /// (up to 1.5 keep-alives) or reconnecting is waited for rather than counted short. Bounded by twelve quiet
    /// periods (at least a minute) in all, in case it never comes back.
    /// </summary>
    public async Task WaitForAllOrQuietAsync(TimeSpan quiet, CancellationToken cancellationToken, MqttClient? subscriber = null)
    {
        var connects = 0;
        EventHandler<MqttConnectedEventArgs> onConnected = (_, _) => Interlocked.Increment(ref connects);
        if (subscriber is not null)
        {
            subscriber.Connected += onConnected;
        }

        try
        {
            var limit = TimeSpan.FromTicks(Math.Max(quiet.Ticks * 12, TimeSpan.FromMinutes(1).Ticks));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var seen = Deliveries;
            var seenConnects = Volatile.Read(ref connects);
            var wasConnected = subscriber is null || subscriber.State == MqttClientState.Connected;
            while (!_complete.Task.IsCompleted)
            {
                await Task.WhenAny(_complete.Task, Task.Delay(quiet, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                var now = Deliveries;
                var nowConnects = Volatile.Read(ref connects);
                var connected = subscriber is null || subscriber.State == MqttClientState.Connected;
                if ((now == seen && nowConnects == seenConnects && wasConnected && connected) || clock.Elapsed > limit)
                {
                    return;
                }

                (seen, seenConnects, wasConnected) = (now, nowConnects, connected);
            }
        }
        finally
        {
            if (subscriber is not null)
            {
                subscriber.Connected -= onConnected;
            }
        }
    }
}
