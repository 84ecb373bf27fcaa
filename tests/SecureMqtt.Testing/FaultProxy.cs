using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SecureMqtt.Testing;

/// <summary>
/// A TCP relay on loopback between a client and a real server (a broker) that breaks connections on demand:
/// graceful close, reset, half-open stall, refused reconnects, 1 to 3 byte fragmentation, per-chunk delays, a
/// cut right after a chosen MQTT packet, and a seeded chaos schedule of all of these for long runs. The client
/// connects to 127.0.0.1:<see cref="Port"/>; every accepted connection gets its own connection upstream.
/// Random choices come from <see cref="Seed"/>, so a failing run can be repeated: each relay direction of each
/// connection and the chaos schedule have their own generator derived from it.
/// </summary>
public sealed partial class FaultProxy : IAsyncDisposable
{
    private static readonly TimeSpan UpstreamConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _listener;
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Link> _links = new();
    private readonly Lock _lock = new();
    private readonly List<FaultKind> _faults = [];
    private readonly List<PacketTrigger> _triggers = [];
    private readonly List<OpeningRecorder> _openings = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _faultWaiters = [];
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextLinkId;
    private long _connectionsAccepted;
    private long _connectionsRefused;
    private readonly List<(long Count, TaskCompletionSource Signal)> _refusedWaiters = [];
    private long _bytesClientToUpstream;
    private long _bytesUpstreamToClient;
    private volatile bool _refuseNew;
    private volatile bool _stallNew;
    private volatile ProxyDirection _fragment;
    private volatile DelaySetting? _delay;
    private int _disposed;

    private FaultProxy(Socket listener, string upstreamHost, int upstreamPort, int seed)
    {
        _listener = listener;
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
        Seed = seed;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>The loopback port clients connect to.</summary>
    public int Port { get; }

    /// <summary>The seed every random choice derives from; print it when a run fails.</summary>
    public int Seed { get; }

    /// <summary>How long a fragmenting relay pauses between chunks, so each chunk leaves as its own segment. Default 1 ms.</summary>
    public TimeSpan FragmentPause { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// How many bytes of each direction of each new connection to keep (0, the default, keeps none), so a test can
    /// read what the two ends said first: the TLS hellos tell whether a session was offered and resumed.
    /// </summary>
    public int RecordOpenings { get; set; }

    /// <summary>The first <see cref="RecordOpenings"/> bytes each way of every connection, in the order they were accepted.</summary>
    public IReadOnlyList<ProxyOpening> Openings
    {
        get
        {
            lock (_lock)
            {
                return [.. _openings.Select(o => o.Snapshot())];
            }
        }
    }

    /// <summary>Client connections accepted so far, refused ones included.</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _connectionsAccepted);

    /// <summary>Client connections closed at once because <see cref="RefuseNew"/> was set.</summary>
    public long ConnectionsRefused => Interlocked.Read(ref _connectionsRefused);

    /// <summary>Connections being relayed right now.</summary>
    public int ActiveConnections => _links.Count;

    /// <summary>Bytes relayed from clients to the upstream, counted as they are handed to the socket (dropped bytes not counted).</summary>
    public long BytesClientToUpstream => Interlocked.Read(ref _bytesClientToUpstream);

    /// <summary>Bytes relayed from the upstream to clients, counted as they are handed to the socket (dropped bytes not counted).</summary>
    public long BytesUpstreamToClient => Interlocked.Read(ref _bytesUpstreamToClient);

    /// <summary>Faults injected so far, by hand or by the chaos schedule.</summary>
    public int FaultsInjected
    {
        get
        {
            lock (_lock)
            {
                return _faults.Count;
            }
        }
    }

    /// <summary>Every fault injected so far, in order.</summary>
    public IReadOnlyList<FaultKind> InjectedFaults
    {
        get
        {
            lock (_lock)
            {
                return [.. _faults];
            }
        }
    }

    /// <summary>Starts a proxy on a free loopback port that relays to <paramref name="upstreamHost"/>:<paramref name="upstreamPort"/>.</summary>
    /// <param name="upstreamHost">The server's address; use a loopback address.</param>
    /// <param name="upstreamPort">The server's port.</param>
    /// <param name="seed">Seed of every random choice (fragment sizes, delays, the chaos schedule).</param>
    /// <param name="cancellationToken">Unused beyond an early check: starting does not wait on the network.</param>
    public static Task<FaultProxy> StartAsync(string upstreamHost, int upstreamPort, int seed, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(upstreamHost);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(upstreamPort);
        cancellationToken.ThrowIfCancellationRequested();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(64);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var proxy = new FaultProxy(listener, upstreamHost, upstreamPort, seed);
        proxy._acceptLoop = proxy.AcceptLoopAsync();
        return Task.FromResult(proxy);
    }

    /// <summary>Closes both sides of every open connection gracefully (FIN); new connections are relayed as usual.</summary>
    /// <returns>How many connections were closed.</returns>
    public int CutAll() => CloseAll(reset: false, FaultKind.Close);

    /// <summary>Closes both sides of every open connection abortively (RST, linger 0).</summary>
    /// <returns>How many connections were reset.</returns>
    public int ResetAll() => CloseAll(reset: true, FaultKind.Reset);

    /// <summary>
    /// Half-open simulation. On: every open connection and every new one stops relaying in both directions without
    /// closing; the bytes are read and dropped, so each peer sees only silence and must notice by keep-alive.
    /// Off: new connections are relayed again; already stalled ones stay silent until closed or reset.
    /// </summary>
    /// <param name="on">Whether to stall.</param>
    public void Stall(bool on)
    {
        _stallNew = on;
        if (on)
        {
            StallOpenLinks();
            Record(FaultKind.Stall);
        }
    }

    /// <summary>While set, new connections are accepted and closed at once, so reconnect attempts fail.</summary>
    /// <param name="on">Whether to refuse.</param>
    public void RefuseNew(bool on)
    {
        _refuseNew = on;
        if (on)
        {
            Record(FaultKind.Refuse);
        }
    }

    /// <summary>
    /// Relays the given directions in chunks of 1 to 3 bytes (seeded sizes) with <see cref="FragmentPause"/> between
    /// them, which splits every packet across many reads on the other side. <see cref="ProxyDirection.None"/> ends it.
    /// </summary>
    /// <param name="directions">The directions to fragment.</param>
    public void Fragment(ProxyDirection directions)
    {
        _fragment = directions;
        if (directions != ProxyDirection.None)
        {
            Record(FaultKind.Fragmentation);
        }
    }

    /// <summary>
    /// Delays every relayed chunk in the given directions by a seeded random time between
    /// <paramref name="minimum"/> and <paramref name="maximum"/> (a fixed delay when they are equal or maximum is null).
    /// Order within a direction is kept. <see cref="ProxyDirection.None"/> ends it.
    /// </summary>
    /// <param name="directions">The directions to delay.</param>
    /// <param name="minimum">The shortest delay.</param>
    /// <param name="maximum">The longest delay; null: the same as <paramref name="minimum"/>.</param>
    public void Delay(ProxyDirection directions, TimeSpan minimum, TimeSpan? maximum = null)
    {
        var max = maximum ?? minimum;
        ArgumentOutOfRangeException.ThrowIfLessThan(minimum, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, minimum);
        if (directions == ProxyDirection.None)
        {
            _delay = null;
            return;
        }

        _delay = new DelaySetting(directions, minimum, max);
        Record(FaultKind.Delay);
    }

    /// <summary>
    /// Cuts the connection that next relays, in <paramref name="direction"/>, a complete MQTT packet whose first
    /// byte satisfies <paramref name="firstBytePredicate"/>: the packet's last byte is delivered, nothing after it,
    /// then both sides are closed (for example <c>b =&gt; b &gt;&gt; 4 == 5</c> for PUBREC going upstream to client).
    /// Packet boundaries come from the MQTT fixed headers of the relayed stream, so use it on plain MQTT.
    /// </summary>
    /// <param name="direction">Exactly one direction.</param>
    /// <param name="firstBytePredicate">Tests the packet's first byte (type and flags).</param>
    /// <param name="reset">Reset (RST) instead of closing gracefully.</param>
    /// <returns>A task that completes when the cut happened.</returns>
    public Task CutAfterNextPacket(ProxyDirection direction, Func<byte, bool> firstBytePredicate, bool reset = false)
    {
        ArgumentNullException.ThrowIfNull(firstBytePredicate);
        if (direction is not (ProxyDirection.ClientToUpstream or ProxyDirection.UpstreamToClient))
        {
            throw new ArgumentException("Name exactly one direction.", nameof(direction));
        }

        var trigger = new PacketTrigger(direction, firstBytePredicate, reset);
        lock (_lock)
        {
            _triggers.Add(trigger);
        }

        return trigger.Fired.Task;
    }

    /// <summary>How many faults of <paramref name="kind"/> were injected so far.</summary>
    /// <param name="kind">The kind to count.</param>
    public int FaultCount(FaultKind kind)
    {
        lock (_lock)
        {
            return _faults.Count(f => f == kind);
        }
    }

    /// <summary>Completes once <see cref="FaultsInjected"/> reaches <paramref name="count"/>, for tests that await the chaos schedule.</summary>
    /// <param name="count">The number of faults to wait for.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public Task WaitForFaultsAsync(int count, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_faults.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _faultWaiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    // HashCode.Combine is randomized per process: the same seed must give the same fault details in every run.
    private int LinkSeed(long linkId, int direction) => unchecked((int)((((Seed * 1_000_003L) + linkId) * 31) + direction));

    /// <summary>Completes once <see cref="ConnectionsRefused"/> reaches <paramref name="count"/>: proof a client kept trying.</summary>
    /// <param name="count">The number of refused connections to wait for.</param>
    public Task WaitForRefusedAsync(long count)
    {
        lock (_lock)
        {
            if (ConnectionsRefused >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _refusedWaiters.Add((count, signal));
            return signal.Task;
        }
    }

    private void SignalRefused(long refused)
    {
        List<TaskCompletionSource> due;
        lock (_lock)
        {
            due = [.. _refusedWaiters.Where(w => w.Count <= refused).Select(w => w.Signal)];
            _refusedWaiters.RemoveAll(w => w.Count <= refused);
        }

        due.ForEach(s => s.TrySetResult());
    }

    /// <summary>Stops the chaos schedule, stops accepting, closes every connection and waits for the relays to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopChaosAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        foreach (var link in _links.Values)
        {
            link.Close(reset: false);
        }

        lock (_lock)
        {
            foreach (var trigger in _triggers)
            {
                trigger.Fired.TrySetCanceled();
            }

            _triggers.Clear();
        }

        var all = _links.Values.Select(l => l.Completion).Append(_acceptLoop);
        try
        {
            await Task.WhenAll(all).WaitAsync(DisposeTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Every socket is closed; a relay that has not noticed yet cannot do anything anymore.
        }

        _stop.Dispose();
    }

    private int CloseAll(bool reset, FaultKind kind)
    {
        var closed = 0;
        foreach (var link in _links.Values)
        {
            if (link.Close(reset))
            {
                closed++;
            }
        }

        Record(kind);
        return closed;
    }

    private List<Link> StallOpenLinks()
    {
        var stalled = _links.Values.ToList();
        stalled.ForEach(l => l.Stalled = true);
        return stalled;
    }

    private void Record(FaultKind kind)
    {
        List<TaskCompletionSource> ready;
        lock (_lock)
        {
            _faults.Add(kind);
            ready = [.. _faultWaiters.Where(w => w.Count <= _faults.Count).Select(w => w.Signal)];
            _faultWaiters.RemoveAll(w => w.Count <= _faults.Count);
        }

        ready.ForEach(r => r.TrySetResult());
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connectionsAccepted);
            if (_refuseNew)
            {
                var refused = Interlocked.Increment(ref _connectionsRefused);
                client.Dispose();
                SignalRefused(refused);
                continue;
            }

            var id = Interlocked.Increment(ref _nextLinkId);
            var link = new Link(id, client, _stallNew);
            if (RecordOpenings > 0)
            {
                link.Opening = new OpeningRecorder(RecordOpenings);
                lock (_lock)
                {
                    _openings.Add(link.Opening);
                }
            }

            _links[id] = link;
            link.Completion = RunLinkAsync(link, token);
        }
    }

    private async Task RunLinkAsync(Link link, CancellationToken token)
    {
        try
        {
            link.Client.NoDelay = true;
            link.Upstream.NoDelay = true;
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                connectTimeout.CancelAfter(UpstreamConnectTimeout);
                await link.Upstream.ConnectAsync(_upstreamHost, _upstreamPort, connectTimeout.Token).ConfigureAwait(false);
            }

            // One generator per direction, derived from the seed and the connection's number: the sizes and delays
            // a direction gets do not depend on how the thread pool interleaves the two relays.
            var up = RelayAsync(link, link.Client, link.Upstream, ProxyDirection.ClientToUpstream, new Random(LinkSeed(link.Id, 1)));
            var down = RelayAsync(link, link.Upstream, link.Client, ProxyDirection.UpstreamToClient, new Random(LinkSeed(link.Id, 2)));
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The upstream refused or the proxy is stopping: the client gets a closed connection.
        }
        finally
        {
            link.Close(reset: false);
            _links.TryRemove(link.Id, out _);
        }
    }

    private sealed record DelaySetting(ProxyDirection Directions, TimeSpan Minimum, TimeSpan Maximum)
    {
        public TimeSpan Next(Random random) =>
            Maximum == Minimum ? Minimum : Minimum + ((Maximum - Minimum) * random.NextDouble());
    }

    private sealed class PacketTrigger(ProxyDirection direction, Func<byte, bool> predicate, bool reset)
    {
        public ProxyDirection Direction { get; } = direction;

        public Func<byte, bool> Predicate { get; } = predicate;

        public bool Reset { get; } = reset;

        public TaskCompletionSource Fired { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
