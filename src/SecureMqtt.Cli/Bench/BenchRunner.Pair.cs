using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Bench;

/// <summary>
/// The two in-process pairs. tput: a subscriber subscribes, then a publisher sends -L messages (QoS 1/2 with -M in
/// flight) and the clock runs from the first publish to the last message received. lat: a pinger publishes one ping
/// and waits for the responder's pong before the next; a separate responder client makes each round trip two
/// passes through the broker (ping, then pong), as a request/response between two applications is. With --self the
/// pinger subscribes to its own ping topic instead: one pass, publish to the pinger's own receipt.
/// </summary>
internal sealed partial class BenchRunner
{
    // The clients' indexes (and client id suffixes _0 and _1) in the pair modes.
    private const int Publisher = 0;
    private const int Subscriber = 1;
    private const int Pinger = 0;
    private const int Responder = 1;

    /// <summary>tput: how long after the publisher finished no new message may arrive before the rest count as lost.</summary>
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);

    /// <summary>lat: a pong later than this ends the run with an error (a QoS 0 ping or pong the broker dropped).</summary>
    private static readonly TimeSpan RoundTripTimeout = TimeSpan.FromSeconds(10);

    private readonly RoundTripSignal _pong = new();
    private long _lastReceived;
    private long _pingStarted;
    private volatile bool _measuring;
    private byte[] _pongPayload = [];
    private MqttClient? _responder;

    /// <summary>tput: the publisher's own time, first publish until the last one completed (QoS 1/2: acknowledged).</summary>
    public TimeSpan SendWall { get; private set; }

    private MqttClient PairClient(int index) =>
        _clients.FirstOrDefault(c => c.Index == index).Client ?? throw new CliException($"the {(arguments.Mode == BenchMode.Tput ? index == Publisher ? "publisher" : "subscriber" : index == Pinger ? "pinger" : "responder")} did not connect: {Stats.FirstError}");

    private async Task ThroughputAsync(CancellationToken cancellationToken)
    {
        var publisher = PairClient(Publisher);
        await SubscribePairAsync(PairClient(Subscriber), arguments.Topic, cancellationToken).ConfigureAwait(false);

        Meter.Start();
        var start = Stopwatch.GetTimestamp();
        await PublishLoopAsync(publisher, Publisher, cancellationToken).ConfigureAwait(false);
        SendWall = Stopwatch.GetElapsedTime(start);

        // Every message, or a quiet period with nothing new: what is missing then is lost (QoS 0 may drop, and a
        // broker drops QoS 1/2 beyond its queue limit).
        var seen = -1L;
        while (!_received.Task.IsCompleted && Stats.Messages != seen)
        {
            seen = Stats.Messages;
            try
            {
                await _received.Task.WaitAsync(QuietPeriod, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Nothing yet: one more period if anything arrived in this one.
            }
        }

        var last = Volatile.Read(ref _lastReceived);
        Meter.Stop(last == 0 ? null : last);
    }

    private async Task RoundTripsAsync(CancellationToken cancellationToken)
    {
        var pinger = PairClient(Pinger);
        if (arguments.Self)
        {
            // The ping comes back to the pinger's own handler, which takes it for the pong.
            await SubscribePairAsync(pinger, arguments.PingTopic, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var responder = _responder = PairClient(Responder);
            _pongPayload = new byte[arguments.PayloadSize];
            await SubscribePairAsync(responder, arguments.PingTopic, cancellationToken).ConfigureAwait(false);
            await SubscribePairAsync(pinger, arguments.PongTopic, cancellationToken).ConfigureAwait(false);
        }

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watchdog = WatchRoundTripsAsync(watching.Token);
        try
        {
            // One payload array: a ping is complete (acknowledged at QoS 1/2) before the next is written into it.
            var payload = new byte[arguments.PayloadSize];
            for (long sequence = 0; sequence < arguments.Warmup + arguments.Limit; sequence++)
            {
                if (sequence == arguments.Warmup)
                {
                    Meter.Start();
                    _measuring = true;
                }

                if (!await RoundTripAsync(pinger, payload, sequence).ConfigureAwait(false))
                {
                    break;
                }
            }

            Meter.Stop();
        }
        catch (TimeoutException)
        {
            // The watchdog counted the error; the report shows the round trips made until then.
        }
        finally
        {
            _measuring = false;
            await watching.CancelAsync().ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
        }
    }

    /// <summary>One ping and its pong; false when the ping was refused (counted as an error: the run ends).</summary>
    private async Task<bool> RoundTripAsync(MqttClient pinger, byte[] payload, long sequence)
    {
        if (payload.Length >= BenchArguments.SequenceSize)
        {
            BinaryPrimitives.WriteInt64LittleEndian(payload, sequence);
        }

        var pong = _pong.ExpectAsync(sequence);
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref _pingStarted, start);

        // Not cancellable, as pub's: the watchdog ends a run that waits too long, through the pong.
        var publish = pinger.PublishAsync(arguments.PingTopic, payload, arguments.QoS, retain: false, CancellationToken.None);
        var arrived = await pong.ConfigureAwait(false);
        var result = await publish.ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            Stats.Error($"ping {sequence} refused: {result.ReasonCode}");
            return false;
        }

        if (_measuring)
        {
            Stats.Latency.Record(Stopwatch.GetElapsedTime(start, arrived).Ticks / TimeSpan.TicksPerMicrosecond);
            Stats.Message();
        }

        return true;
    }

    /// <summary>Fails the waiting round trip when its pong is overdue or the run is stopped (Ctrl-C, --duration).</summary>
    private async Task WatchRoundTripsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var started = Volatile.Read(ref _pingStarted);
                if (started != 0 && Stopwatch.GetElapsedTime(started) > RoundTripTimeout &&
                    _pong.TryFail(new TimeoutException($"no pong within {RoundTripTimeout.TotalSeconds:0} s")))
                {
                    Stats.Error($"round trip: no pong within {RoundTripTimeout.TotalSeconds:0} s");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            _pong.TryFail(new OperationCanceledException(cancellationToken));
        }
    }

    /// <summary>The responder: answers each ping on the pong topic with the ping's sequence bytes.</summary>
    private async ValueTask OnPingAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var started = Volatile.Read(ref _pingStarted);
        if (_measuring && started != 0)
        {
            Stats.OneWay.Record(Stopwatch.GetElapsedTime(started).Ticks / TimeSpan.TicksPerMicrosecond);
        }

        var echo = message.Payload.Span[..Math.Min(BenchArguments.SequenceSize, message.Payload.Length)];
        if (arguments.QoS == MqttQualityOfService.AtMostOnce)
        {
            // QoS 0 completes once buffered, so awaiting here is short and the one array is free again after it.
            echo.CopyTo(_pongPayload);
            await PongAsync(_pongPayload, _pongPayload.Length, pooled: false).ConfigureAwait(false);
            return;
        }

        // QoS 1/2: not awaited on the handler (the acknowledgement could queue behind the next message); the payload
        // stays the client's until then, so it is its own array, from the pool.
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(arguments.PayloadSize, 1));
        buffer.AsSpan(0, arguments.PayloadSize).Clear();
        echo.CopyTo(buffer);
        _ = PongAsync(buffer, arguments.PayloadSize, pooled: true);
    }

    private async Task PongAsync(byte[] buffer, int size, bool pooled)
    {
        try
        {
            var result = await _responder!.PublishAsync(arguments.PongTopic, buffer.AsMemory(0, size), arguments.QoS, retain: false, CancellationToken.None).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                Stats.Error($"pong refused: {result.ReasonCode}");
            }
        }
        catch (Exception ex) when (ex is MqttException or IOException or OperationCanceledException)
        {
            Stats.Error($"pong: {ex.Message}");
        }
        finally
        {
            if (pooled)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>The pinger: a pong completes the waiting round trip (a late one, of an earlier sequence, is ignored).</summary>
    private ValueTask OnPongAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var arrived = Stopwatch.GetTimestamp();
        var payload = message.Payload.Span;
        var sequence = payload.Length >= BenchArguments.SequenceSize ? BinaryPrimitives.ReadInt64LittleEndian(payload) : _pong.Expected;
        _pong.TryComplete(sequence, arrived);
        return ValueTask.CompletedTask;
    }

    private async Task SubscribePairAsync(MqttClient client, string topic, CancellationToken cancellationToken)
    {
        var result = await client.SubscribeAsync(topic, arguments.QoS, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Items.All(i => i.IsSuccess))
        {
            throw new CliException($"subscription to '{topic}' refused: {result.Items[0].ReasonCode}");
        }
    }
}
