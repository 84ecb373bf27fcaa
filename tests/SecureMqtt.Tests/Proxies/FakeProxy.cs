using System.Net;
using System.Net.Sockets;

namespace SecureMqtt.Tests.Proxies;

/// <summary>
/// A misbehaving proxy on 127.0.0.1:0: accepts one connection and hands its stream to a script, which reads what the
/// client sent and answers whatever the test wants (garbage, truncated replies, endless headers, silence).
/// </summary>
internal sealed class FakeProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _served;

    public FakeProxy(Func<NetworkStream, CancellationToken, Task> script)
    {
        _listener.Start();
        _served = ServeAsync(script);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes when the script has run (faults if it threw).</summary>
    public Task Served => _served;

    public MqttProxyOptions Options(MqttProxyKind kind, MqttCredentials? credentials = null, TimeSpan? timeout = null) => new()
    {
        Kind = kind,
        Host = "127.0.0.1",
        Port = Port,
        Credentials = credentials,
        HandshakeTimeout = timeout ?? TimeSpan.FromSeconds(5),
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _served;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client hung up first, or the script was waiting when the test ended.
        }

        _stop.Dispose();
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (fails the script if the client closes first).</summary>
    public static async Task<byte[]> ReadAsync(Stream stream, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return buffer;
    }

    /// <summary>Reads an HTTP request head up to its blank line.</summary>
    public static async Task<string> ReadHttpHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (!(bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            bytes.Add(one[0]);
        }

        return System.Text.Encoding.ASCII.GetString([.. bytes]);
    }

    /// <summary>Waits until the client closes its side (or the test ends), so a script never closes before the client has read.</summary>
    public static async Task WaitForCloseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var sink = new byte[256];
        while (await stream.ReadAsync(sink, cancellationToken) > 0)
        {
        }
    }

    private async Task ServeAsync(Func<NetworkStream, CancellationToken, Task> script)
    {
        using var socket = await _listener.AcceptSocketAsync(_stop.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await script(stream, _stop.Token);
    }
}
