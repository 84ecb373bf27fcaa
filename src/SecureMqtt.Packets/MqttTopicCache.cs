namespace SecureMqtt.Packets;

/// <summary>
/// Remembers the strings of recently decoded topic names, so that a connection receiving on a handful of topics
/// gets the same string again instead of a new one per message (<see cref="MqttPacketReader.DecodePublishFields"/>).
/// A topic found here was checked when it was first decoded: the same bytes need no second check.
/// </summary>
/// <remarks>
/// Two-way set-associative: each topic has a set of two neighbouring slots, chosen by a hash of its bytes, and a
/// third topic in a set replaces the older of the two. (Direct-mapped, with the hash seeded per process, two topics of
/// one connection fell into one slot in about 1 process in 64 and replaced each other on every message.) It never
/// grows and holds topics of up to <see cref="MaximumTopicLength"/> bytes. Not thread-safe: one cache per reader (a
/// connection's read loop).
/// </remarks>
public sealed class MqttTopicCache
{
    /// <summary>Longer topic names are decoded every time: they are rarely repeated and would pin their bytes.</summary>
    public const int MaximumTopicLength = 256;

    private readonly Entry[] _entries;
    private readonly int _setMask;
    private readonly int _ways;

    /// <summary>Creates a cache with <paramref name="slots"/> slots, rounded up to a power of two.</summary>
    /// <param name="slots">How many topics the cache can hold at most; 1 to 65,536.</param>
    public MqttTopicCache(int slots = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slots, 65536);
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)slots);
        _entries = new Entry[size];

        // A set is a pair of neighbouring slots, starting at an even index (a one-slot cache is its own set).
        _ways = size >= 2 ? 2 : 1;
        _setMask = (size - 1) & ~(_ways - 1);
    }

    internal bool TryGet(ReadOnlySpan<byte> utf8, out string topic, out int slot)
    {
        slot = Slot(utf8);
        for (var way = 0; way < _ways; way++)
        {
            ref var entry = ref _entries[slot + way];
            if (entry.Utf8 is { } bytes && utf8.SequenceEqual(bytes))
            {
                topic = entry.Text!;
                return true;
            }
        }

        topic = null!;
        return false;
    }

    /// <summary>Remembers a topic in the set <see cref="TryGet"/> gave as <paramref name="slot"/>, dropping the older of the two there.</summary>
    internal void Add(int slot, ReadOnlySpan<byte> utf8, string topic)
    {
        if (utf8.Length > MaximumTopicLength)
        {
            return;
        }

        if (_ways == 2 && _entries[slot].Utf8 is not null)
        {
            // The newest goes first and the one it moves aside second, so the one dropped is the older.
            _entries[slot + 1] = _entries[slot];
        }

        _entries[slot] = new Entry { Utf8 = utf8.ToArray(), Text = topic };
    }

    private int Slot(ReadOnlySpan<byte> utf8)
    {
        // Per-process seeded, so a peer cannot choose topics that all fall into one slot.
        var hash = new HashCode();
        hash.AddBytes(utf8);
        return hash.ToHashCode() & _setMask;
    }

    private struct Entry
    {
        public byte[]? Utf8;
        public string? Text;
    }
}
