using System.Net;
using System.Net.Sockets;

namespace SecureMqtt.Benchmarks.Client;

/// <summary>
/// A hand-written MQTT 5 peer on loopback for the client micro-benchmarks: it accepts one connection, answers CONNECT
/// with CONNACK, PUBLISH with PUBACK (QoS 1) or PUBREC (QoS 2), PUBREL with PUBCOMP and PINGREQ with PINGRESP, and
/// drops everything else; <see cref="Push"/> sends prepared bytes (PUBLISH packets for the receive benchmarks) on the
/// accepted connection. It parses only what it must and works in two fixed buffers, so in the steady state it
/// allocates nothing: MemoryDiagnoser counts every thread of the process, and the figures are meant to be the
/// client's alone.
/// </summary>
internal sealed class AckingPeer : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly byte[] _input = new byte[256 * 1024];
    private readonly byte[] _output = new byte[64 * 1024];
    private readonly CancellationTokenSource _stop = new();
    private Task _serving = Task.CompletedTask;
    private volatile Socket? _socket;

    public int Port { get; private set; }

    public void Start()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _serving = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        using var socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
        socket.NoDelay = true;
        _socket = socket;
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(_input.AsMemory(filled), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                filled += read;
                var (consumed, answer) = Answer(_input.AsSpan(0, filled), _output);
                if (answer > 0)
                {
                    await socket.SendAsync(_output.AsMemory(0, answer), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }

                // Keep an incomplete packet's bytes at the front for the next read.
                _input.AsSpan(consumed, filled - consumed).CopyTo(_input);
                filled -= consumed;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>
    /// Sends <paramref name="packets"/> to the client in one blocking write beside the serving loop's reads (a socket
    /// takes one sender and one receiver at a time); the client must be connected.
    /// </summary>
    public void Push(byte[] packets)
    {
        var socket = _socket ?? throw new InvalidOperationException("No client is connected to the peer yet.");
        var sent = 0;
        while (sent < packets.Length)
        {
            sent += socket.Send(packets, sent, packets.Length - sent, SocketFlags.None);
        }
    }

    /// <summary>Answers every complete packet in <paramref name="input"/>; returns the bytes consumed and written.</summary>
    private static (int Consumed, int Written) Answer(ReadOnlySpan<byte> input, Span<byte> output)
    {
        int position = 0, written = 0;
        while (TryFrame(input[position..], out var headerLength, out var remaining) && output.Length - written >= 5)
        {
            var body = input.Slice(position + headerLength, remaining);
            var type = input[position] >> 4;
            var qos = (input[position] >> 1) & 3;
            switch (type)
            {
                case 1: // CONNECT -> CONNACK, MQTT 5, no properties
                    written += Put(output[written..], 0x20, 0x03, 0x00, 0x00, 0x00);
                    break;
                case 3 when qos > 0: // PUBLISH -> PUBACK or PUBREC, the short form (Success, no properties)
                    var topicLength = (body[0] << 8) | body[1];
                    written += Put(output[written..], qos == 1 ? (byte)0x40 : (byte)0x50, 0x02, body[2 + topicLength], body[3 + topicLength]);
                    break;
                case 6: // PUBREL -> PUBCOMP
                    written += Put(output[written..], 0x70, 0x02, body[0], body[1]);
                    break;
                case 12: // PINGREQ -> PINGRESP
                    written += Put(output[written..], 0xD0, 0x00);
                    break;
            }

            position += headerLength + remaining;
        }

        return (position, written);
    }

    private static bool TryFrame(ReadOnlySpan<byte> input, out int headerLength, out int remaining)
    {
        remaining = 0;
        headerLength = 0;
        for (var i = 1; i < Math.Min(input.Length, 5); i++)
        {
            remaining |= (input[i] & 0x7F) << (7 * (i - 1));
            if ((input[i] & 0x80) == 0)
            {
                headerLength = i + 1;
                return input.Length - headerLength >= remaining;
            }
        }

        return false;
    }

    private static int Put(Span<byte> output, params ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output);
        return bytes.Length;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _serving.ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }
}
