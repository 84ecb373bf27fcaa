namespace SecureMqtt.Session;

/// <summary>
/// Hands out packet identifiers 1..65535, never one that is still in flight [MQTT-2.2.1-3], cycling so a
/// just-released id is not reused at once (a late duplicate ack then cannot be mistaken for the new packet).
/// </summary>
internal sealed class PacketIdAllocator
{
    // 8 KiB, allocated on the first id: a client that never publishes at QoS 1/2 (a subscriber) holds none.
    private ulong[]? _used;
    private ushort _next = 1;
    private int _count;

    public int InUse => _count;

    public bool TryAllocate(out ushort packetId)
    {
        if (_count >= ushort.MaxValue)
        {
            packetId = 0;
            return false;
        }

        while (IsUsed(_next))
        {
            Advance();
        }

        packetId = _next;
        Mark(packetId);
        Advance();
        return true;
    }

    /// <summary>Marks an id as in flight (restored from a session store); false when it already was.</summary>
    public bool TryReserve(ushort packetId)
    {
        if (packetId == 0 || IsUsed(packetId))
        {
            return false;
        }

        Mark(packetId);
        return true;
    }

    public bool IsUsed(ushort packetId) => _used is { } used && (used[packetId >> 6] & (1UL << (packetId & 63))) != 0;

    public void Release(ushort packetId)
    {
        if (packetId != 0 && IsUsed(packetId))
        {
            _used![packetId >> 6] &= ~(1UL << (packetId & 63));
            _count--;
        }
    }

    public void Clear()
    {
        if (_used is { } used)
        {
            Array.Clear(used);
        }

        _count = 0;
    }

    private void Mark(ushort packetId)
    {
        _used ??= new ulong[65536 / 64];
        _used[packetId >> 6] |= 1UL << (packetId & 63);
        _count++;
    }

    private void Advance() => _next = _next == ushort.MaxValue ? (ushort)1 : (ushort)(_next + 1);
}
