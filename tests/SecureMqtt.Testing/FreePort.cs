using System.Net;
using System.Net.Sockets;

namespace SecureMqtt.Testing;

/// <summary>Free TCP ports on the loopback interface, so fixtures never collide with each other or a system broker on 1883.</summary>
public static class FreePort
{
    /// <summary>A port nobody listens on right now: the kernel's pick for a bind to 127.0.0.1:0.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><paramref name="count"/> distinct free ports (all held open while choosing, so none repeats).</summary>
    /// <param name="count">How many.</param>
    public static int[] Next(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
