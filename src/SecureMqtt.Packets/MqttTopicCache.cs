namespace SecureMqtt.Packets;

/// <summary>
/// Remembers the strings of recently decoded topic names, so that a connection receiving on a handful of topics
/// gets the same string again instead of a new one per message (<see cref="MqttPacketReader.DecodePublishFields"/>).
/// A topic found here was checked when it was first decoded: the same bytes need no second check.
/// </summary>
/// <remarks>
/// Direct-mapped: each topic has one slot, chosen by a hash of its bytes, and a newer topic with the same slot
/// replaces the older. It never grows and holds topics of up to <see cref="MaximumTopicLength"/> bytes. Not
/// thread-safe: one cache per reader (a connection's read loop).
/// </remarks>
public sealed class MqttTopicCache
{
    /// <summary>Longer topic names are decoded every time: they are rarely repeated and would pin their bytes.</summary>
    public const int MaximumTopicLength = 256;

    private readonly Entry[] _entries;
    private readonly int _mask;

    /// <summary>Creates a cache with <paramref name="slots"/> slots, rounded up to a power of two.</summary>
    /// <param name="slots">How many topics the cache can hold at most; 1 to 65,536.</param>
    public MqttTopicCache(int slots = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slots, 65536);
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)slots);
        _entries = new Entry[size];
        _mask = size - 1;
    }

    internal bool TryGet(ReadOnlySpan<byte> utf8, out string topic, out int slot)
    {
        slot = Slot(utf8);
        ref var entry = ref _entries[slot];
        if (entry.Utf8 is { } bytes && utf8.SequenceEqual(bytes))
        {
            topic = entry.Text!;
            return true;
        }

        topic = null!;
        return false;
    }

    internal void Add(int slot, ReadOnlySpan<byte> utf8, string topic)
    {
        if (utf8.Length <= MaximumTopicLength)
        {
            _entries[slot] = new Entry { Utf8 = utf8.ToArray(), Text = topic };
        }
    }

    private int Slot(ReadOnlySpan<byte> utf8)
    {
        // Per-process seeded, so a peer cannot choose topics that all fall into one slot.
        var hash = new HashCode();
        hash.AddBytes(utf8);
        return hash.ToHashCode() & _mask;
    }

    private struct Entry
    {
        public byte[]? Utf8;
        public string? Text;
    }
}
