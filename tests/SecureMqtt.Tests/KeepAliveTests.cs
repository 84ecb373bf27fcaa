using Microsoft.Extensions.Time.Testing;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;

namespace SecureMqtt.Tests;

public class KeepAliveTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_broker_that_goes_silent_after_CONNACK_is_reported_lost_within_one_and_a_half_keep_alives()
    {
        var time = new KeepAliveClock();
        var start = time.GetUtcNow();
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { KeepAlive = TimeSpan.FromSeconds(10), TimeProvider = time });
        var lost = new TaskCompletionSource<MqttConnectionLostEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionLost += (_, e) => lost.TrySetResult(e);

        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        Assert.Equal(10, (await accept).KeepAliveSeconds);
        await time.WaitForTimerAtOrAfterAsync(start + TimeSpan.FromSeconds(10)).WaitAsync(Timeout);

        // Nothing was sent for a keep-alive period: PINGREQ. The peer reads it and stays silent.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.IsType<MqttPingReqPacket>(await broker.ReadPacketAsync());
        await time.WaitForTimerAtOrAfterAsync(start + TimeSpan.FromSeconds(15)).WaitAsync(Timeout);

        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.True(client.IsConnected);
        Assert.False(lost.Task.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(0.2));
        var e = await lost.Task.WaitAsync(Timeout);
        var error = Assert.IsType<MqttConnectionLostException>(e.Exception);
        Assert.Contains("keep-alive", error.Message, StringComparison.Ordinal);
        Assert.Null(e.DisconnectReasonCode);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task A_broker_answering_PINGREQ_keeps_the_connection_alive_past_the_deadline()
    {
        var time = new KeepAliveClock();
        var start = time.GetUtcNow();
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { KeepAlive = TimeSpan.FromSeconds(10), TimeProvider = time });
        var accept = broker.AcceptAsync();
        await client.ConnectAsync();
        await accept;

        // The loop wakes every 5 s (PINGREQ due, or the 15 s receive deadline); pings go out every 10 s.
        foreach (var (at, ping) in new[] { (10, true), (15, false), (20, true), (25, false), (30, true) })
        {
            var when = start + TimeSpan.FromSeconds(at);
            await time.WaitForTimerAtOrAfterAsync(when).WaitAsync(Timeout);
            time.Advance(when - time.GetUtcNow());
            if (ping)
            {
                Assert.IsType<MqttPingReqPacket>(await broker.ReadPacketAsync());
                var before = client.BytesReceived;
                await broker.SendAsync(MqttPingRespPacket.Instance);
                Assert.True(SpinWait.SpinUntil(() => client.BytesReceived > before, Timeout));
            }
        }

        // 30 s in, twice the 15 s deadline, and still connected because PINGRESP kept arriving.
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task The_broker_server_keep_alive_overrides_the_configured_one()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(broker.ClientOptions with { KeepAlive = TimeSpan.FromSeconds(60) });
        var accept = broker.AcceptAsync(new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success, ServerKeepAlive = 5 });
        var result = await client.ConnectAsync();
        await accept;
        Assert.Equal(TimeSpan.FromSeconds(5), result.KeepAlive);
    }
}

/// <summary>
/// FakeTimeProvider (timers fire inside Advance), plus a signal for when the code under test has a timer pending:
/// advancing before the keep-alive loop waits would move the clock past a timer that does not exist yet.
/// </summary>
internal sealed class KeepAliveClock : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly Dictionary<PendingTimer, DateTimeOffset> _pending = [];
    private readonly List<(DateTimeOffset At, TaskCompletionSource Signal)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new PendingTimer(this);
        timer.Inner = base.CreateTimer(s => { timer.Fired(); callback(s); }, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Completes once a pending timer is due at or after <paramref name="at"/> (the code under test is waiting for it).</summary>
    public Task WaitForTimerAtOrAfterAsync(DateTimeOffset at)
    {
        lock (_lock)
        {
            if (_pending.Values.Any(due => due >= at))
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((at, signal));
            return signal.Task;
        }
    }

    private void Track(PendingTimer timer, DateTimeOffset? due)
    {
        List<TaskCompletionSource> ready = [];
        lock (_lock)
        {
            if (due is not { } d)
            {
                _pending.Remove(timer);
                return;
            }

            _pending[timer] = d;
            ready = [.. _waiters.Where(w => d >= w.At).Select(w => w.Signal)];
            _waiters.RemoveAll(w => d >= w.At);
        }

        ready.ForEach(r => r.TrySetResult());
    }

    private sealed class PendingTimer(KeepAliveClock clock) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public ITimer Inner { get; set; } = null!;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            clock.Track(this, dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime);
            return Inner.Change(dueTime, period);
        }

        public void Fired() =>
            clock.Track(this, _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : clock.GetUtcNow() + _period);

        public void Dispose()
        {
            clock.Track(this, null);
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
