using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using SecureMqtt.Packets;

namespace SecureMqtt.Tests.Infrastructure;

/// <summary>
/// An in-process peer on 127.0.0.1:0 that speaks raw MQTT packets under the test's control: it can answer
/// CONNECT and then misbehave (go silent, send what a real broker never sends).
/// </summary>
public sealed class FakeBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private Socket? _socket;
    private NetworkStream? _stream;
    private PipeReader? _reader;

    public FakeBroker(MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        Version = version;
        _listener.Start();
    }

    public MqttProtocolVersion Version { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public MqttClientOptions ClientOptions => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        ProtocolVersion = Version,
        ClientId = "fake-test",
        KeepAlive = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Accepts the client, reads its CONNECT and answers with <paramref name="connAck"/> (success by default).</summary>
    public async Task<MqttConnectPacket> AcceptAsync(MqttConnAckPacket? connAck = null)
    {
        _socket = await _listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _stream = new NetworkStream(_socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream);
        var connect = (MqttConnectPacket)(await ReadPacketAsync())!;
        await SendAsync(connAck ?? new MqttConnAckPacket { ReasonCode = MqttReasonCode.Success });
        return connect;
    }

    /// <summary>Closes the current connection without a word (the listener stays open for the next AcceptAsync).</summary>
    public async Task DropConnectionAsync()
    {
        await _reader!.CompleteAsync();
        await _stream!.DisposeAsync();
    }

    /// <summary>The next packet from the client, or null when it closed the connection.</summary>
    public async Task<MqttPacket?> ReadPacketAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var result = await _reader!.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            if (MqttPacketReader.TryRead(ref buffer, Version, 1024 * 1024, out var packet))
            {
                _reader.AdvanceTo(buffer.Start);
                return packet;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    public async Task<T> ReadAsync<T>()
        where T : MqttPacket
    {
        var packet = await ReadPacketAsync();
        return Assert.IsType<T>(packet);
    }

    public async Task SendAsync(MqttPacket packet)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(writer, packet, Version);
        await SendRawAsync(writer.WrittenMemory);
    }

    public async Task SendAckAsync(MqttPacketType type, ushort packetId, MqttReasonCode reasonCode = MqttReasonCode.Success)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketWriter.WriteAck(writer, new MqttAck(type, packetId, reasonCode), Version);
        await SendRawAsync(writer.WrittenMemory);
    }

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes) => await _stream!.WriteAsync(bytes);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        if (_reader is not null)
        {
            await _reader.CompleteAsync();
        }

        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }

        _listener.Dispose();
    }
}
