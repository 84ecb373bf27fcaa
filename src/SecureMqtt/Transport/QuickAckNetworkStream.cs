using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace SecureMqtt.Transport;

/// <summary>
/// A NetworkStream that, on Linux, asks for an immediate ACK after each read (TCP_QUICKACK). A broker that writes
/// with Nagle on (Mosquitto's default) holds its next small segment until the previous one is acknowledged, and
/// Linux delays that ACK by up to 40 ms when the client has nothing to send back at once: the TLS handshake's last
/// flight, a PUBACK followed by a PUBLISH, a CONNACK after the handshake. Linux leaves quick-ACK mode again on its own,
/// so it is asked for after every read; one setsockopt per read, and reads carry many packets under load.
/// </summary>
internal sealed class QuickAckNetworkStream(Socket socket) : NetworkStream(socket, ownsSocket: true)
{
    // IPPROTO_TCP and TCP_QUICKACK from Linux's headers; .NET has no name for the option and refuses unknown
    // SocketOptionName values without calling the kernel, so it is set as a raw option.
    private const int IpProtoTcp = 6;
    private const int TcpQuickAck = 12;
    private static readonly byte[] s_on = BitConverter.GetBytes(1);

    private bool _unsupported;

    public static NetworkStream Create(Socket socket) => OperatingSystem.IsLinux() ? new QuickAckNetworkStream(socket) : new NetworkStream(socket, ownsSocket: true);

    // Nearly every read waits for the broker, so the state machine would be boxed once per read: pooled instead, a
    // read allocates nothing in the steady state (QoS 1/2 publishes read one or two acknowledgements each).
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await base.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        QuickAck(read);
        return read;
    }

    public override int Read(Span<byte> buffer)
    {
        var read = base.Read(buffer);
        QuickAck(read);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = base.Read(buffer, offset, count);
        QuickAck(read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void QuickAck(int read)
    {
        if (read <= 0 || _unsupported)
        {
            return;
        }

        try
        {
            Socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, s_on);
        }
        catch (SocketException)
        {
            // A kernel without it (or a socket already shut down): reads go on without it.
            _unsupported = true;
        }
        catch (ObjectDisposedException)
        {
            _unsupported = true;
        }
    }
}
