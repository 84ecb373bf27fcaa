using System.Buffers;
using System.IO.Pipelines;
using SecureMqtt.Packets;

namespace SecureMqtt.Testing;

/// <summary>
/// Whole MQTT packets over a stream, encoded and decoded with the SecureMqtt.Packets codec: what a test peer, or a
/// test playing the client by hand, needs to speak MQTT without a client library in the way.
/// </summary>
public sealed class MqttPacketStream : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _reader;

    /// <param name="stream">The connection; disposed with this object.</param>
    /// <param name="version">The protocol version packets are encoded and decoded with.</param>
    public MqttPacketStream(Stream stream, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        _stream = stream;
        _reader = PipeReader.Create(stream);
        Version = version;
    }

    public MqttProtocolVersion Version { get; }

    /// <summary>The next packet, or null when the peer closed the connection (an incomplete last packet included).</summary>
    /// <exception cref="MqttProtocolException">The peer sent bytes the codec refuses.</exception>
    /// <exception cref="OperationCanceledException">Nothing whole arrived before <paramref name="cancellationToken"/> fired.</exception>
    public async Task<MqttPacket?> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
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

    /// <summary>Reads the next packet with a time limit, so a test that waits for a packet fails instead of hanging.</summary>
    public async Task<MqttPacket?> ReadAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await ReadAsync(cts.Token);
    }

    public async Task SendAsync(MqttPacket packet, CancellationToken cancellationToken = default)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(writer, packet, Version);
        await _stream.WriteAsync(writer.WrittenMemory, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
    }
}
