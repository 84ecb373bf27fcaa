using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace SecureMqtt.IntegrationTests.Reconnect;

/// <summary>Counts numbered messages as a subscriber receives them: which arrived, which twice, which not at all.</summary>
internal sealed class MessageTally
{
    private readonly ConcurrentDictionary<int, int> _seen = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _arrivals = new();
    private readonly List<int> _order = [];
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _expected;

    public MessageTally(int expected) => _expected = expected;

    public static byte[] Payload(int number) => Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture));

    public int Distinct => _seen.Count;

    public int Duplicates => _seen.Values.Sum(c => c - 1);

    public int Delivered => _seen.Values.Sum();

    public IReadOnlyList<int> Order
    {
        get
        {
            lock (_order)
            {
                return [.. _order];
            }
        }
    }

    public IEnumerable<int> Missing => Enumerable.Range(0, _expected).Where(n => !_seen.ContainsKey(n));

    public ValueTask OnMessageAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var number = int.Parse(Encoding.ASCII.GetString(message.Payload.Span), CultureInfo.InvariantCulture);
        _seen.AddOrUpdate(number, 1, (_, c) => c + 1);
        Arrival(number).TrySetResult();
        lock (_order)
        {
            _order.Add(number);
        }

        if (_seen.Count == _expected)
        {
            _complete.TrySetResult();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Waits until message <paramref name="number"/> arrived.</summary>
    public Task WaitForAsync(int number, TimeSpan timeout) => Arrival(number).Task.WaitAsync(timeout);

    private TaskCompletionSource Arrival(int number) =>
        _arrivals.GetOrAdd(number, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Waits until every number arrived at least once; on time-out says which are missing.</summary>
    public async Task WaitForAllAsync(TimeSpan timeout)
    {
        try
        {
            await _complete.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            var missing = Missing.Take(20).ToList();
            Assert.Fail($"{_expected - _seen.Count} of {_expected} messages never arrived, for example {string.Join(", ", missing)}.");
        }
    }
}
