namespace SecureMqtt.Testing.Faults;

/// <summary>
/// Publishes numbered messages with up to a given number of PublishAsync calls outstanding, as a pipelining
/// application would, and records which were acknowledged. Before each chunk it awaits a gate, which is how the
/// scenarios tie the pace of publishing to the faults they inject.
/// </summary>
internal sealed class PublishPump
{
    private readonly MqttClient _client;
    private readonly string _topic;
    private readonly FaultScenarioOptions _options;
    private readonly Packets.MqttQualityOfService _qos;
    private readonly bool[] _acknowledged;
    private int _sent;
    private int _acked;
    private int _failed;
    private string? _firstFailure;
    private IReadOnlyList<int> _hung = [];

    public PublishPump(MqttClient client, string topic, Packets.MqttQualityOfService qos, FaultScenarioOptions options)
    {
        _client = client;
        _topic = topic;
        _qos = qos;
        _options = options;
        _acknowledged = new bool[options.Messages];
    }

    public int Sent => Volatile.Read(ref _sent);

    public int Acknowledged => Volatile.Read(ref _acked);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>The first failure's message, for the report.</summary>
    public string? FirstFailure => Volatile.Read(ref _firstFailure);

    /// <summary>Publishes still pending when the run stopped waiting for them: neither acknowledged nor failed.</summary>
    public IReadOnlyList<int> Hung => _hung;

    public bool IsAcknowledged(int number) => Volatile.Read(ref _acknowledged[number]);

    /// <summary>
    /// Publishes every message; before message <c>k * Messages / chunks</c> (k = 1 .. chunks - 1) awaits
    /// <paramref name="gate"/>(k). Returns when every publish completed or <see cref="FaultScenarioOptions.PublishTimeout"/>
    /// ran out, or no publish completed for <see cref="FaultScenarioOptions.StallTimeout"/> (the ones still pending then
    /// count as not acknowledged, and are listed in <see cref="Hung"/>).
    /// </summary>
    public async Task RunAsync(int chunks, Func<int, CancellationToken, Task> gate, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.PublishTimeout);
        using var window = new SemaphoreSlim(_options.MaxOutstanding, _options.MaxOutstanding);
        var pending = new List<Task>(_options.Messages);
        var count = _options.Messages;
        var nextChunk = 1;
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (nextChunk < chunks && i >= (long)count * nextChunk / chunks)
                {
                    await gate(nextChunk, deadline.Token).ConfigureAwait(false);
                    nextChunk++;
                }

                await window.WaitAsync(deadline.Token).ConfigureAwait(false);
                pending.Add(PublishOneAsync(i, window));
            }

            var all = Task.WhenAll(pending);
            while (!all.IsCompleted)
            {
                var progress = Acknowledged + Failed;
                await Task.WhenAny(all, Task.Delay(_options.StallTimeout, deadline.Token)).ConfigureAwait(false);
                deadline.Token.ThrowIfCancellationRequested();
                if (!all.IsCompleted && Acknowledged + Failed == progress)
                {
                    // Nothing completed for a whole stall timeout: what is still pending is stuck, not slow.
                    _hung = [.. pending.Select((t, n) => (t, n)).Where(p => !p.t.IsCompleted).Select(p => p.n)];
                    Interlocked.CompareExchange(ref _firstFailure,
                        $"{_hung.Count} publishes never completed (nothing completed for {_options.StallTimeout.TotalSeconds:F0} s), e.g. message {string.Join(", ", _hung.Take(5))}; "
                        + $"{_client.QueuedMessageCount} messages in the offline queue, client {_client.State}", null);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Out of time: what completed is counted, the rest is not acknowledged.
            _hung = [.. pending.Select((t, n) => (t, n)).Where(p => !p.t.IsCompleted).Select(p => p.n)];
            Interlocked.CompareExchange(ref _firstFailure, $"publishing did not finish within {_options.PublishTimeout}; {_hung.Count} publishes pending", null);
        }
    }

    private async Task PublishOneAsync(int number, SemaphoreSlim window)
    {
        Interlocked.Increment(ref _sent);
        try
        {
            var result = await _client.PublishAsync(_topic, DeliveryTally.Payload(number, _options.PayloadSize), _qos).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                Volatile.Write(ref _acknowledged[number], true);
                Interlocked.Increment(ref _acked);
            }
            else
            {
                Fail($"message {number}: reason code {result.ReasonCode}");
            }
        }
#pragma warning disable CA1031 // Every failure is a result to count, whatever its type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Fail($"message {number}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            try
            {
                window.Release();
            }
            catch (ObjectDisposedException)
            {
                // The run gave up on this publish already.
            }
        }
    }

    private void Fail(string why)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.CompareExchange(ref _firstFailure, why, null);
    }
}
