using SecureMqtt.Session;

namespace SecureMqtt.Tests;

public class SendQuotaTests
{
    [Fact]
    public async Task Publishers_beyond_the_receive_maximum_wait_in_order_for_a_released_slot()
    {
        var quota = new SendQuota(2);
        await quota.AcquireAsync(CancellationToken.None);
        await quota.AcquireAsync(CancellationToken.None);
        var third = quota.AcquireAsync(CancellationToken.None).AsTask();
        var fourth = quota.AcquireAsync(CancellationToken.None).AsTask();
        Assert.False(third.IsCompleted);
        Assert.Equal(2, quota.Waiting);

        quota.Release();
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(fourth.IsCompleted);
        quota.Release();
        await fourth.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, quota.Available);
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue_without_taking_a_slot()
    {
        var quota = new SendQuota(1);
        await quota.AcquireAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var waiting = quota.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        quota.Release();
        Assert.Equal(1, quota.Available);
    }

    [Fact]
    public async Task Retransmitted_flights_count_against_the_quota_even_beyond_it()
    {
        var quota = new SendQuota(1);
        quota.ForceAcquire(2);
        var waiting = quota.AcquireAsync(CancellationToken.None).AsTask();
        quota.Release();
        Assert.False(waiting.IsCompleted);
        quota.Release();
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Failing_the_quota_fails_every_waiter_with_the_reason()
    {
        var quota = new SendQuota(1);
        await quota.AcquireAsync(CancellationToken.None);
        var waiting = quota.AcquireAsync(CancellationToken.None).AsTask();
        quota.Fail(new MqttConnectionLostException("gone"));
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => waiting);
        await Assert.ThrowsAsync<MqttConnectionLostException>(() => quota.AcquireAsync(CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_reused_waiter_is_not_cancelled_by_the_token_of_the_wait_it_served_before()
    {
        var quota = new SendQuota(1);
        await quota.AcquireAsync(CancellationToken.None);
        for (var i = 0; i < 50; i++)
        {
            using var earlier = new CancellationTokenSource();
            var served = quota.AcquireAsync(earlier.Token);
            quota.Release();
            await served.AsTask().WaitAsync(TimeSpan.FromSeconds(5));

            // The waiter object is back in the pool and serves this wait now; the old token must not reach it.
            var next = quota.AcquireAsync(CancellationToken.None).AsTask();
            await earlier.CancelAsync();
            Assert.False(next.IsCompleted);
            Assert.Equal(1, quota.Waiting);
            quota.Release();
            await next.WaitAsync(TimeSpan.FromSeconds(5));
        }

        Assert.Equal(0, quota.Available);
        Assert.Equal(0, quota.Waiting);
    }

    [Fact]
    public async Task Cancelled_waiters_in_the_middle_of_the_queue_leave_it_and_the_others_keep_their_order()
    {
        var quota = new SendQuota(1);
        await quota.AcquireAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var first = quota.AcquireAsync(CancellationToken.None).AsTask();
        var middle = quota.AcquireAsync(cts.Token).AsTask();
        var last = quota.AcquireAsync(CancellationToken.None).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => middle);
        Assert.Equal(2, quota.Waiting);

        quota.Release();
        await first.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(last.IsCompleted);
        quota.Release();
        await last.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, quota.Waiting);
    }

    [Fact]
    public async Task An_already_cancelled_token_fails_at_once_without_queueing()
    {
        var quota = new SendQuota(1);
        await quota.AcquireAsync(CancellationToken.None);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quota.AcquireAsync(new CancellationToken(canceled: true)).AsTask());
        Assert.Equal(0, quota.Waiting);
    }

    [Fact]
    public async Task A_slot_handed_to_a_waiter_keeps_its_turn_over_a_publisher_that_takes_the_next_free_slot()
    {
        var quota = new SendQuota(2);
        Assert.True(quota.TryAcquire(out var first));
        Assert.True(quota.TryAcquire(out var second));
        var waiter = quota.AcquireAsync(CancellationToken.None).AsTask();
        quota.EndTurn(first);
        quota.EndTurn(second);

        // The waiter is handed a slot, but its continuation has not written yet when the next slot comes free.
        quota.Release();
        quota.Release();
        Assert.True(quota.TryAcquire(out var later));
        Assert.False(quota.IsTurn(later));
        var laterTurn = quota.WaitTurnAsync(later).AsTask();
        Assert.False(laterTurn.IsCompleted);

        var handed = await waiter.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(handed < later);
        Assert.True(quota.IsTurn(handed));
        quota.EndTurn(handed);
        await laterTurn.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(quota.IsTurn(later));
    }

    [Fact]
    public async Task A_flight_given_up_before_its_turn_frees_its_slot_and_does_not_hold_up_the_next()
    {
        var quota = new SendQuota(3);
        Assert.True(quota.TryAcquire(out var first));
        Assert.True(quota.TryAcquire(out var abandoned));
        Assert.True(quota.TryAcquire(out var third));
        quota.Abandon(abandoned);
        Assert.Equal(1, quota.Available);
        var thirdTurn = quota.WaitTurnAsync(third).AsTask();
        Assert.False(thirdTurn.IsCompleted);

        quota.EndTurn(first);
        await thirdTurn.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Failing_the_quota_lets_every_writer_waiting_for_its_turn_go_on_to_meet_the_failure()
    {
        var quota = new SendQuota(2);
        Assert.True(quota.TryAcquire(out _));
        Assert.True(quota.TryAcquire(out var second));
        var turn = quota.WaitTurnAsync(second).AsTask();
        quota.Fail(new MqttConnectionLostException("gone"));
        await turn.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(quota.IsTurn(second + 1));
    }
}
