using System.Net.Sockets;

namespace SecureMqtt.Transport;

/// <summary>
/// Plain TCP. Nagle is always off: MQTT packets are small and latency matters more than packing; and on Linux every
/// read asks for an immediate ACK, so a broker with Nagle on is not kept waiting for ours (QuickAckNetworkStream).
/// </summary>
internal sealed class TcpTransport(string host, int port) : IMqttTransport
{
    public async ValueTask<ConnectedTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new MqttConnectionLostException($"Could not connect to {host}:{port}: {ex.Message}.", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new ConnectedTransport(QuickAckNetworkStream.Create(socket));
    }
}
