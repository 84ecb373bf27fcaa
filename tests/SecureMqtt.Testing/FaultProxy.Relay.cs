using System.Net.Sockets;

namespace SecureMqtt.Testing;

public sealed partial class FaultProxy
{
    private const int RelayBufferSize = 16 * 1024;

    /// <summary>
    /// Copies one direction of one connection, applying whatever faults are set when each chunk goes out: stall
    /// (read and drop), fragmentation, delay, and the cut-after-packet triggers at MQTT packet boundaries.
    /// </summary>
    private async Task RelayAsync(Link link, Socket source, Socket destination, ProxyDirection direction, Random random)
    {
        var buffer = new byte[RelayBufferSize];
        var tracker = new MqttFrameTracker();
        var token = _stop.Token;
        try
        {
            while (true)
            {
                var read = await source.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
                if (read == 0)
                {
                    // Pass the half-close on, as a plain relay would; the other direction keeps flowing. A stalled
                    // connection relays nothing, its end included: a broker that gives up on a half-open connection
                    // must not tell the client, which has to find out by its own keep-alive. The link closes once
                    // both directions ended.
                    if (!link.Stalled)
                    {
                        link.ShutdownSend(destination);
                    }

                    return;
                }

                var data = buffer.AsMemory(0, read);
                link.Opening?.Add(direction, data.Span);
                while (!data.IsEmpty && !link.Stalled && !link.IsClosed)
                {
                    var consumed = tracker.Advance(data.Span, out var completedTypeByte);
                    await ForwardAsync(link, destination, data[..consumed], direction, random, token).ConfigureAwait(false);
                    data = data[consumed..];
                    if (completedTypeByte is { } typeByte && FireTrigger(link, direction, typeByte))
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The proxy is stopping.
        }
        catch (SocketException) when (link.Stalled)
        {
            // As above: the other side of a stalled connection hears nothing of this.
        }
        catch (SocketException e)
        {
            // Mirror what the peer did: a reset on one side becomes a reset on the other.
            link.Close(reset: e.SocketErrorCode == SocketError.ConnectionReset);
        }
        catch (ObjectDisposedException)
        {
            // The link was closed by a fault while this relay was waiting.
        }
    }

    private async ValueTask ForwardAsync(Link link, Socket destination, ReadOnlyMemory<byte> data, ProxyDirection direction, Random random, CancellationToken token)
    {
        while (!data.IsEmpty)
        {
            var fragment = (_fragment & direction) != 0;
            var size = fragment ? Math.Min(data.Length, random.Next(1, 4)) : data.Length;
            if (_delay is { } delay && (delay.Directions & direction) != 0)
            {
                await Task.Delay(delay.Next(random), token).ConfigureAwait(false);
            }

            if (link.Stalled || link.IsClosed)
            {
                return; // dropped: a stalled peer hears nothing, a closed one cannot
            }

            // Counted before the send: once the peer has the bytes (and maybe answered), the count must show them,
            // and this continuation may run only after the answer came back through the other direction.
            Interlocked.Add(ref direction == ProxyDirection.ClientToUpstream ? ref _bytesClientToUpstream : ref _bytesUpstreamToClient, size);
            var chunk = data[..size];
            while (!chunk.IsEmpty)
            {
                var sent = await destination.SendAsync(chunk, SocketFlags.None, token).ConfigureAwait(false);
                chunk = chunk[sent..];
            }

            data = data[size..];
            if (fragment && !data.IsEmpty && FragmentPause > TimeSpan.Zero)
            {
                await Task.Delay(FragmentPause, token).ConfigureAwait(false);
            }
        }
    }

    private bool FireTrigger(Link link, ProxyDirection direction, byte typeByte)
    {
        PacketTrigger? fired;
        lock (_lock)
        {
            fired = _triggers.FirstOrDefault(t => t.Direction == direction && t.Predicate(typeByte));
            if (fired is null)
            {
                return false;
            }

            _triggers.Remove(fired);
        }

        link.Close(fired.Reset);
        Record(FaultKind.CutAfterPacket);
        fired.Fired.TrySetResult();
        return true;
    }

    /// <summary>One relayed connection: the accepted client socket and its own socket to the upstream.</summary>
    private sealed class Link(long id, Socket client, bool stalled)
    {
        private int _closed;
        private volatile bool _stalled = stalled;

        public long Id { get; } = id;

        public Socket Client { get; } = client;

        public Socket Upstream { get; } = new(client.AddressFamily, SocketType.Stream, ProtocolType.Tcp);

        public Task Completion { get; set; } = Task.CompletedTask;

        public OpeningRecorder? Opening { get; set; }

        public bool Stalled
        {
            get => _stalled;
            set => _stalled = value;
        }

        public bool IsClosed => Volatile.Read(ref _closed) != 0;

        public void ShutdownSend(Socket socket)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already gone: nothing left to tell.
            }
        }

        /// <summary>Closes both sockets, with RST when <paramref name="reset"/>, else with FIN. Returns whether this call closed it.</summary>
        public bool Close(bool reset)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return false;
            }

            foreach (var socket in new[] { Client, Upstream })
            {
                try
                {
                    if (reset)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                    else if (socket.Connected)
                    {
                        socket.Shutdown(SocketShutdown.Both);
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // The peer is gone already; closing below is all that is left.
                }

                socket.Dispose();
            }

            return true;
        }
    }

    /// <summary>Keeps the first bytes of both directions of one connection, up to a limit each.</summary>
    private sealed class OpeningRecorder(int limit)
    {
        private readonly Lock _lock = new();
        private readonly List<byte> _fromClient = [];
        private readonly List<byte> _fromUpstream = [];

        public void Add(ProxyDirection direction, ReadOnlySpan<byte> data)
        {
            lock (_lock)
            {
                var target = direction == ProxyDirection.ClientToUpstream ? _fromClient : _fromUpstream;
                var room = limit - target.Count;
                if (room > 0)
                {
                    target.AddRange(data[..Math.Min(room, data.Length)]);
                }
            }
        }

        public ProxyOpening Snapshot()
        {
            lock (_lock)
            {
                return new ProxyOpening([.. _fromClient], [.. _fromUpstream]);
            }
        }
    }
}
