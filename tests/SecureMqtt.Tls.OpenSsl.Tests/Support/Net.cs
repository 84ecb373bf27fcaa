using System.Net;
using System.Net.Sockets;

namespace SecureMqtt.Tls.OpenSsl.Tests.Support;

public static class Net
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<NetworkStream> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        return new NetworkStream(client.Client, ownsSocket: true);
    }

    public static async Task<byte[]> ReadExactlyAsync(Stream stream, int count, TimeSpan timeout)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(timeout);
        await stream.ReadExactlyAsync(buffer, cts.Token);
        return buffer;
    }
}
