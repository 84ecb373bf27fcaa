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
}
