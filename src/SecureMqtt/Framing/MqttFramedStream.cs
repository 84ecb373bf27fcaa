using System.Buffers;
using System.IO.Pipelines;
using SecureMqtt.Packets;
using SecureMqtt.Transport;

namespace SecureMqtt.Framing;

/// <summary>
/// One connected byte stream cut into MQTT frames: its inbound read loop and its outbound buffer. Data arriving drives the protocol
/// (the articles' recv_cb): each complete frame is handed to the frame handler while its bytes are still in
/// the read buffer. It also remembers when bytes last went out and came in, which is all keep-alive needs.
/// </summary>
internal sealed class MqttFramedStream : IAsyncDisposable
{
    private readonly ConnectedTransport _transport;
    private readonly PipeReader _reader;
    private readonly TimeProvider _time;
    private long _lastSent;
    private long _lastReceived;

    public MqttFramedStream(ConnectedTransport transport, int outputBufferSize, TimeProvider timeProvider)
    {
        _transport = transport;
        _time = timeProvider;
        // Zero-byte reads: an idle connection waits for data without holding a 16 KiB segment, and SslStream gives its
        // own record buffer back while it waits, so a held connection costs little more than its sockets and TLS state.
        _reader = PipeReader.Create(transport.Stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true, useZeroByteReads: true));
        Output = new MqttOutputBuffer(transport.Stream, outputBufferSize, OnSent);
        _lastSent = _lastReceived = timeProvider.GetTimestamp();
    }

    public MqttOutputBuffer Output { get; }

    /// <summary>What the security layer negotiated, or null for plain TCP.</summary>
    public NegotiatedSecurity? Security => _transport.Security;

    /// <summary>The failure a security layer finds behind an error early in the connection, or null.</summary>
    public MqttException? ExplainEarlyFailure(Exception? error) => _transport.Security?.ExplainEarlyFailure(error);

    public long BytesReceived { get; private set; }

    public long BytesSent { get; private set; }

    /// <summary>The endpoint's tags for mqtt.client.network.io; null leaves the bytes unmeasured.</summary>
    public EndpointTags? Tags { get; init; }

    public TimeSpan SinceLastSent => _time.GetElapsedTime(Interlocked.Read(ref _lastSent));

    public TimeSpan SinceLastReceived => _time.GetElapsedTime(Interlocked.Read(ref _lastReceived));

    /// <summary>Writes bytes straight to the stream, before the flush loop runs (CONNECT).</summary>
    public async ValueTask WriteDirectAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        await _transport.Stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _transport.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        OnSent(bytes.Length);
    }

    /// <summary>Reads until one whole frame arrived and decodes it with <paramref name="decode"/>; null at end of stream.</summary>
    public async ValueTask<T?> ReadOneAsync<T>(uint maximumPacketSize, Func<MqttFrame, T> decode, CancellationToken cancellationToken)
        where T : class
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (MqttPacketReader.TryReadFrame(ref buffer, maximumPacketSize, out var frame))
            {
                // Only this frame is counted: bytes after it are counted by the read loop that consumes them.
                NoteReceived(frame.TotalLength);
                var value = decode(frame);
                _reader.AdvanceTo(buffer.Start);
                return value;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Hands every frame to <paramref name="onFrame"/> until the peer closes (returns the number of bytes of an
    /// incomplete packet left over, 0 after a clean end) or a read, decode or handler fails (throws). Awaiting the
    /// handler is the backpressure: no more is read meanwhile. The handler gets <paramref name="frameCancellationToken"/>:
    /// when only that one fires, the frame it was handling is given up and reading goes on.
    /// </summary>
    public async Task<long> RunReadLoopAsync(Func<MqttFrame, CancellationToken, ValueTask> onFrame, uint maximumPacketSize, CancellationToken cancellationToken,
        CancellationToken frameCancellationToken)
    {
        long seen = 0;
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length > seen)
            {
                NoteReceived(buffer.Length - seen);
            }

            while (MqttPacketReader.TryReadFrame(ref buffer, maximumPacketSize, out var frame))
            {
                try
                {
                    await onFrame(frame, frameCancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (frameCancellationToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // Given up (the application left while it waited, say, for room in a full queue): read on.
                }
            }

            seen = buffer.Length;
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return seen;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _transport.Stream.DisposeAsync().ConfigureAwait(false);
    }

    private void NoteReceived(long count)
    {
        if (count > 0)
        {
            // Stamp the time before the count grows: whoever sees the new count must also see the new time,
            // or the keep-alive loop could judge a connection that just received something as silent.
            Interlocked.Exchange(ref _lastReceived, _time.GetTimestamp());
            BytesReceived += count;
            if (Tags is { } tags && MqttMetrics.NetworkIo.Enabled)
            {
                MqttMetrics.RecordNetworkIo(count, sent: false, tags);
            }
        }
    }

    private void OnSent(int count)
    {
        BytesSent += count;
        Interlocked.Exchange(ref _lastSent, _time.GetTimestamp());
        if (Tags is { } tags && MqttMetrics.NetworkIo.Enabled)
        {
            MqttMetrics.RecordNetworkIo(count, sent: true, tags);
        }
    }
}
