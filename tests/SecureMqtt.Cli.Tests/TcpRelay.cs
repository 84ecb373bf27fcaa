using System.Net;
using System.Net.Sockets;
using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>
/// A byte-for-byte TCP relay in front of a real broker, whose connections a test can cut or silence and whose port
/// it can close and open again: a client loses its connection while the broker (and the sessions it holds) lives on.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _sockets = [];
    private readonly List<Connection> _connections = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    private TcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        Port = FreePort.Next();
    }

    /// <summary>The port clients connect to.</summary>
    public int Port { get; }

    /// <summary>Starts relaying from a free port to <paramref name="targetPort"/> on the loopback interface.</summary>
    public static TcpRelay Start(int targetPort)
    {
        var relay = new TcpRelay(targetPort);
        relay.Open();
        return relay;
    }

    /// <summary>Accepts connections (again).</summary>
    public void Open()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Start();
        _listener = listener;
        _accepting = AcceptAsync(listener);
    }

    /// <summary>Stops accepting and closes every relayed connection on both sides.</summary>
    public async Task CutAsync()
    {
        _listener?.Stop();
        _listener = null;
        await _accepting;
        TcpClient[] sockets;
        lock (_lock)
        {
            sockets = [.. _sockets];
            _sockets.Clear();
        }

        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    /// <summary>
    /// From now on the connections open so far carry nothing either way, but stay open: what a dead network path
    /// looks like, found only by keep-alive. New connections are relayed as usual.
    /// </summary>
    public void Silence()
    {
        lock (_lock)
        {
            _connections.ForEach(c => c.Silenced = true);
        }
    }

    public async ValueTask DisposeAsync() => await CutAsync();

    private async Task AcceptAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                var inbound = await listener.AcceptTcpClientAsync();
                var outbound = new TcpClient();
                lock (_lock)
                {
                    _sockets.Add(inbound);
                    _sockets.Add(outbound);
                }

                await outbound.ConnectAsync(IPAddress.Loopback, _targetPort);
                var connection = new Connection();
                lock (_lock)
                {
                    _connections.Add(connection);
                }

                _ = PumpAsync(inbound, outbound, connection);
                _ = PumpAsync(outbound, inbound, connection);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Stopped by CutAsync.
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to, Connection connection)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            int read;
            while ((read = await source.ReadAsync(buffer)) > 0)
            {
                if (!connection.Silenced)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // One side went away: the other goes too, below.
        }
        finally
        {
            from.Dispose();
            if (!connection.Silenced)
            {
                // A silenced path does not pass the close on either: the other side must find out by itself.
                to.Dispose();
            }
        }
    }

    private sealed class Connection
    {
        public volatile bool Silenced;
    }
}
