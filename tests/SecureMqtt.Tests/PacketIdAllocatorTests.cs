using SecureMqtt.Session;

namespace SecureMqtt.Tests;

public class PacketIdAllocatorTests
{
    [Fact]
    public void Hands_out_every_id_from_1_to_65535_once_then_refuses()
    {
        var ids = new PacketIdAllocator();
        var seen = new HashSet<ushort>();
        for (var i = 0; i < 65535; i++)
        {
            Assert.True(ids.TryAllocate(out var id));
            Assert.NotEqual(0, id);
            Assert.True(seen.Add(id));
        }

        Assert.False(ids.TryAllocate(out _));
        Assert.Equal(65535, ids.InUse);
    }

    [Fact]
    public void Never_reuses_an_id_still_in_flight_and_reuses_a_released_one_only_after_cycling()
    {
        var ids = new PacketIdAllocator();
        Assert.True(ids.TryAllocate(out var first));
        Assert.True(ids.TryAllocate(out var second));
        ids.Release(first);
        Assert.True(ids.TryAllocate(out var third));
        Assert.NotEqual(first, third);
        Assert.NotEqual(second, third);

        for (var i = 0; i < 65532; i++)
        {
            Assert.True(ids.TryAllocate(out var id));
            Assert.NotEqual(second, id);
        }

        // Only the released id is left.
        Assert.True(ids.TryAllocate(out var last));
        Assert.Equal(first, last);
    }

    [Fact]
    public void Reserved_ids_from_a_stored_session_are_skipped()
    {
        var ids = new PacketIdAllocator();
        Assert.True(ids.TryReserve(1));
        Assert.True(ids.TryReserve(2));
        Assert.False(ids.TryReserve(2));
        Assert.False(ids.TryReserve(0));
        Assert.True(ids.TryAllocate(out var id));
        Assert.Equal(3, id);
    }
}
