using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Bench;

/// <summary>
/// Runs <c>smqtt bench</c>: connects the clients (at most <see cref="ConcurrentHandshakes"/> handshakes at a time),
/// then publishes, receives or only holds the connections until -L, --duration or Ctrl-C ends the run, and meters
/// what that cost. The hot path allocates nothing of its own at QoS 0 (one payload buffer per client, reused once the
/// client has buffered the packet); at QoS 1/2 payloads come from the array pool and go back on the acknowledgement.
/// </summary>
/// <param name="arguments">The parsed command line.</param>
/// <param name="streams">Where the progress line, the summary and errors go.</param>
/// <param name="onReady">Called once every client is connected (and, for sub, subscribed): tests start publishing then.</param>
internal sealed partial class BenchRunner(BenchArguments arguments, CliStreams streams, Action? onReady = null)
{
    /// <summary>Handshakes in progress at once: enough to keep the broker busy, few enough not to time out against it.</summary>
    public const int ConcurrentHandshakes = 32;

    private static readonly byte[] StampMarker = "SMQB"u8.ToArray();
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    private readonly List<(int Index, MqttClient Client)> _clients = [];
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopping;

    public BenchStats Stats { get; } = new();

    public ResourceMeter Meter { get; } = new(arguments.BrokerPid);

    public int ConnectedClients => _clients.Count;

    /// <summary>conn: from the first connect started until every client had connected or failed.</summary>
    public TimeSpan ConnectWall { get; private set; }

    /// <summary>conn: this process's resident memory just before the first connect.</summary>
    public double RssBeforeConnectMegabytes { get; private set; }

    /// <summary>conn: this process's resident memory once every client had connected, before holding them.</summary>
    public double RssConnectedMegabytes { get; private set; }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var connector = new ClientConnector(arguments.Client, streams);
        await using var connectorScope = connector.ConfigureAwait(false);

        // A lost connection is an error the run reports, not something to hide behind a reconnect.
        // The bench's handlers read each message before they return (latency stamp, count), so they take pooled ones.
        // The client's in-flight limit is the bench's window: under MQTT 3.1.1 (no Receive Maximum) the client would
        // otherwise hold its own default of 20 and make 80 of every 100 publishes queue for a slot, timing that queue
        // rather than the window asked for (under MQTT 5 the broker's Receive Maximum still caps it).
        var options = await connector.BuildOptionsAsync(cancellationToken).ConfigureAwait(false) with
        {
            Reconnect = MqttReconnectOptions.Disabled,
            PoolIncomingMessages = true,
            MaximumOutgoingInFlight = (ushort)Math.Min(arguments.InFlight, ushort.MaxValue),
        };
        if (arguments.Mode == BenchMode.Conn && options.Tls is { } tls)
        {
            // .NET resumes a TLS session across clients in one process (one shared client certificate, one target
            // host), and Mosquitto takes the ticket: without this, every connect after the first few would time a
            // resumed handshake, which separate devices never get.
            options = options with { Tls = tls with { AllowSessionResumption = arguments.TlsResume } };
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = BenchReport.StartProgressAsync(arguments, this, streams, stop.Token);
        try
        {
            if (arguments.Mode == BenchMode.Conn)
            {
                await WarmUpAsync(options, stop.Token).ConfigureAwait(false);
                Meter.Start();
                RssBeforeConnectMegabytes = ResourceMeter.CurrentRssMegabytes();
            }

            var connectStart = Stopwatch.GetTimestamp();
            await ConnectAllAsync(options, stop.Token).ConfigureAwait(false);
            if (arguments.Mode == BenchMode.Conn)
            {
                // What holding the connections costs: the resident delta over them is the memory per connection.
                ConnectWall = Stopwatch.GetElapsedTime(connectStart);
                RssConnectedMegabytes = ResourceMeter.CurrentRssMegabytes();
            }

            if (_clients.Count == 0)
            {
                throw new CliException($"no client connected: {Stats.FirstError}");
            }

            // A pair starts the meter itself: tput at the first publish, lat after the warm-up.
            if (arguments.Mode != BenchMode.Conn && !arguments.IsPair)
            {
                Meter.Start();
            }

            if (arguments.Duration is { } duration)
            {
                stop.CancelAfter(duration);
            }

            if (arguments.Mode == BenchMode.Sub)
            {
                await SubscribeAllAsync(stop.Token).ConfigureAwait(false);
            }

            onReady?.Invoke();
            await (arguments.Mode switch
            {
                BenchMode.Pub => Task.WhenAll(_clients.Select(c => PublishLoopAsync(c.Client, c.Index, stop.Token))),
                BenchMode.Sub => _received.Task.WaitAsync(stop.Token),
                BenchMode.Tput => ThroughputAsync(stop.Token),
                BenchMode.Lat => RoundTripsAsync(stop.Token),
                _ => HoldAsync(stop.Token),
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // --duration or Ctrl-C: the run ends here and is reported as far as it got.
        }
        finally
        {
            Meter.Stop();
            _stopping = true;
            await stop.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);
            await Task.WhenAll(_clients.Select(c => connector.DisconnectAsync(c.Client))).ConfigureAwait(false);
        }

        BenchReport.WriteResult(arguments, this, streams);
        return Stats.Errors == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>conn --warmup: connects made and closed one at a time before the measured ones (JIT, the broker's first allocations).</summary>
    private async Task WarmUpAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        for (var i = 0; i < arguments.Warmup; i++)
        {
            var client = new MqttClient(options with { ClientId = $"{arguments.Client.ResolveClientId()}_warmup" });
            await using var scope = client.ConfigureAwait(false);
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ConnectAllAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(ConcurrentHandshakes);
        var connects = new List<Task>(arguments.Clients);
        try
        {
            for (var i = 0; i < arguments.Clients; i++)
            {
                if (i > 0 && arguments.Mode != BenchMode.Pub && arguments.Interval > TimeSpan.Zero)
                {
                    await Task.Delay(arguments.Interval, cancellationToken).ConfigureAwait(false);
                }

                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                connects.Add(ConnectOneAsync(i, options, gate, cancellationToken));
            }
        }
        finally
        {
            await Task.WhenAll(connects).ConfigureAwait(false);
        }
    }

    private async Task ConnectOneAsync(int index, MqttClientOptions options, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        var client = new MqttClient(options with { ClientId = arguments.ClientId(index) });
        try
        {
            // Before connecting: a resumed session's messages arrive right after CONNACK.
            client.MessageHandler = (arguments.Mode, index) switch
            {
                (BenchMode.Sub, _) or (BenchMode.Tput, Subscriber) => OnMessageAsync,
                (BenchMode.Lat, Pinger) => OnPongAsync,
                (BenchMode.Lat, Responder) => OnPingAsync,
                _ => null,
            };

            var start = Stopwatch.GetTimestamp();
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            var micros = Microseconds(start);
            Stats.Connect.Record(micros);
            Stats.Connection();
            if (arguments.Mode == BenchMode.Conn)
            {
                Stats.Latency.Record(micros);
                Stats.Message();
            }

            client.Disconnected += (_, e) =>
            {
                if (!_stopping)
                {
                    Stats.Error($"client {index}: connection lost: {e.Exception.Message}");
                }
            };
            lock (_clients)
            {
                _clients.Add((index, client));
            }
        }
        catch (Exception ex) when (ex is MqttException or SocketException or IOException or OperationCanceledException)
        {
            if (ex is not OperationCanceledException)
            {
                Stats.Error($"client {index}: {ex.Message}");
            }

            await client.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task PublishLoopAsync(MqttClient client, int index, CancellationToken cancellationToken)
    {
        var topic = arguments.PublishTopic(index);
        var size = arguments.PayloadSize;
        var qos = arguments.QoS;
        var interval = arguments.Interval;
        var reusable = new byte[size];
        var window = qos == MqttQualityOfService.AtMostOnce ? null : new PublishWindow(arguments.InFlight, size, Completed, ex => Stats.Error(ex.Message));
        var next = Stopwatch.GetTimestamp();
        try
        {
            for (long sent = 0; arguments.Limit == 0 || sent < arguments.Limit; sent++)
            {
                if (interval > TimeSpan.Zero && sent > 0)
                {
                    next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (window is null)
                {
                    // QoS 0 completes once the packet is encoded into the output buffer: the array is free again.
                    Stamp(reusable);
                    var start = Stopwatch.GetTimestamp();
                    Completed(await client.PublishAsync(topic, reusable, qos, retain: false, cancellationToken).ConfigureAwait(false), start);
                    continue;
                }

                var slot = await window.TakeAsync().ConfigureAwait(false);
                Stamp(slot.Buffer);
                slot.Start = Stopwatch.GetTimestamp();

                // Not cancellable: a message sent finishes its flow, and the loop waits for it before disconnecting.
                PublishWindow.Track(slot, client.PublishAsync(topic, slot.Buffer, qos, retain: false, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // --duration or Ctrl-C: stop sending; what is in flight still completes.
        }
        catch (Exception ex) when (ex is MqttException or IOException)
        {
            Stats.Error($"client {index}: {ex.Message}");
        }

        // Every slot back means every message this client sent has been acknowledged (or failed).
        if (window is not null && !await window.DrainAsync(DrainTimeout).ConfigureAwait(false))
        {
            Stats.Error($"client {index}: acknowledgements still missing after {DrainTimeout.TotalSeconds:0} s");
        }
    }

    private void Completed(MqttPublishResult result, long start)
    {
        if (result.IsSuccess && arguments.Mode == BenchMode.Tput)
        {
            // tput's latency and messages are the subscriber's; the publisher only counts what it sent.
            Stats.SentOne();
        }
        else if (result.IsSuccess)
        {
            Stats.Latency.Record(Microseconds(start));
            Stats.Message();
        }
        else
        {
            Stats.Error($"publish refused: {result.ReasonCode}{(result.Dropped ? " (dropped)" : string.Empty)}");
        }
    }

    private async Task SubscribeAllAsync(CancellationToken cancellationToken)
    {
        var subscriptions = _clients.Select(async c =>
        {
            var result = await c.Client.SubscribeAsync(arguments.Topic, arguments.QoS, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!result.Items.All(i => i.IsSuccess))
            {
                Stats.Error($"client {c.Index}: subscription to '{arguments.Topic}' refused: {result.Items[0].ReasonCode}");
            }
        });
        await Task.WhenAll(subscriptions).ConfigureAwait(false);
    }

    private ValueTask OnMessageAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var payload = message.Payload.Span;
        if (payload.Length >= BenchArguments.StampSize && payload[..StampMarker.Length].SequenceEqual(StampMarker))
        {
            var sent = BinaryPrimitives.ReadInt64LittleEndian(payload[StampMarker.Length..]);
            Stats.Latency.Record((DateTime.UtcNow.Ticks - sent) / TimeSpan.TicksPerMicrosecond);
        }

        Volatile.Write(ref _lastReceived, Stopwatch.GetTimestamp());
        if (Stats.MessageCounted() >= arguments.Limit && arguments.Limit > 0)
        {
            _received.TrySetResult();
        }

        return ValueTask.CompletedTask;
    }

    private static Task HoldAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>The marker and the send time (UTC ticks, one clock for every process on the machine) for a bench subscriber.</summary>
    private static void Stamp(Span<byte> payload)
    {
        if (payload.Length >= BenchArguments.StampSize)
        {
            StampMarker.CopyTo(payload);
            BinaryPrimitives.WriteInt64LittleEndian(payload[StampMarker.Length..], DateTime.UtcNow.Ticks);
        }
    }

    private static long Microseconds(long start) => Stopwatch.GetElapsedTime(start).Ticks / TimeSpan.TicksPerMicrosecond;
}
