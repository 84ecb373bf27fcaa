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
}
