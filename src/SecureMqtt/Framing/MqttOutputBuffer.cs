using System.Buffers;
using System.IO.Pipelines;

namespace SecureMqtt.Framing;

/// <summary>
/// The bounded output buffer between the packet writers and the socket (the articles' ring buffer and sent_cb).
/// Any number of writers append encoded packets, one at a time; a single flush loop drains everything buffered
/// with as few stream writes as possible, so packets written while the socket was busy share TLS records and
/// syscalls. A writer that finds the buffer above its capacity waits until the flush loop made room:
/// backpressure instead of unbounded growth.
/// </summary>
internal sealed class MqttOutputBuffer
{
    // A TLS record carries at most 16 KiB of plaintext; writing in such chunks gives SslStream full records.
    internal const int ChunkSize = 16 * 1024;

    private readonly Pipe _pipe;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Stream _stream;
    private readonly Action<int> _onSent;
    private Exception? _failure;

    /// <param name="stream">Where the bytes go.</param>
    /// <param name="capacity">Bytes buffered before writers wait.</param>
    /// <param name="onSent">Called after each stream write with the byte count (keep-alive, metrics).</param>
    public MqttOutputBuffer(Stream stream, int capacity, Action<int> onSent)
    {
        _stream = stream;
        _onSent = onSent;
        _pipe = new Pipe(new PipeOptions(
            pauseWriterThreshold: capacity,
            resumeWriterThreshold: capacity / 2,
            minimumSegmentSize: 4096,
            useSynchronizationContext: false));
    }

    /// <summary>Number of writes issued to the stream (for tests and metrics).</summary>
    public long StreamWrites { get; private set; }

    /// <summary>
    /// Appends one encoded packet. Completes once the bytes are in the buffer (not when they reached the peer);
    /// waits while the buffer is full. Cancellation means "not sent": a writer cancelled while waiting for room
    /// encoded nothing. Once its packet is in the buffer it will go out, so a cancellation after that point no longer
    /// fails the write.
    /// </summary>
    public async ValueTask WriteAsync<TState>(TState state, Action<IBufferWriter<byte>, TState> encode, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFailed();

            // An empty flush waits while the buffer is above capacity, before anything of this packet is committed.
            ThrowIfClosed(await _pipe.Writer.FlushAsync(cancellationToken).ConfigureAwait(false));
            encode(_pipe.Writer, state);

            // This flush commits the packet to the flush loop and then waits if the packet took the buffer above
            // capacity. From here the packet is on its way: a cancellation only cuts that wait short.
            FlushResult result;
            try
            {
                result = await _pipe.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            ThrowIfClosed(result);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void ThrowIfClosed(FlushResult result)
    {
        if (result.IsCompleted || result.IsCanceled)
        {
            ThrowIfFailed();
            throw new MqttConnectionLostException("The connection is closed.");
        }
    }

    /// <summary>Drains the buffer into the stream until <see cref="WriteLastAsync"/> or a write fails.</summary>
    public async Task RunFlushLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _pipe.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    await WriteCoalescedAsync(buffer, cancellationToken).ConfigureAwait(false);
                    await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                    _onSent(checked((int)Math.Min(buffer.Length, int.MaxValue)));
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            _failure ??= ex is OperationCanceledException ? new MqttConnectionLostException("The connection is closed.", ex) : new MqttConnectionLostException($"Writing to the broker failed: {ex.Message}", ex);
            throw;
        }
        finally
        {
            // Whatever is still buffered can no longer reach the peer; blocked writers wake up and fail. Completed
            // without the exception: the pipe would rethrow it raw (an IOException, or the loop's own cancellation)
            // from a waiting writer's FlushAsync, where ThrowIfClosed gives the typed reason kept in _failure.
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>No more packets: the flush loop ends after sending what is buffered. Only for a buffer with no concurrent writers.</summary>
    public void Complete() => _pipe.Writer.Complete();

    /// <summary>
    /// Appends the last packet (DISCONNECT) and closes the buffer in one step under the write lock: the flush loop
    /// ends after sending what is buffered, nothing can follow the last packet on the wire [MQTT-3.14.4-1], and
    /// later writers fail with <paramref name="reason"/> instead of writing into a completed pipe.
    /// </summary>
    public async ValueTask WriteLastAsync<TState>(TState state, Action<IBufferWriter<byte>, TState> encode, MqttException reason, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfFailed();
            encode(_pipe.Writer, state);
            _failure = reason;

            // Completing commits what was encoded; the flush loop sends it and then ends.
            await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Fails pending and future writers with <paramref name="reason"/>; the flush loop stops.</summary>
    public void Fail(Exception reason)
    {
        _failure ??= reason;
        _pipe.Reader.CancelPendingRead();
        _pipe.Writer.CancelPendingFlush();
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw failure as MqttException ?? new MqttConnectionLostException(failure.Message, failure);
        }
    }

    private async ValueTask WriteCoalescedAsync(ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.IsSingleSegment)
        {
            StreamWrites++;
            await _stream.WriteAsync(buffer.First, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Pipe segments are 4 KiB; gather them into record-sized chunks so many packets share one write. Rented for
        // this batch only, so an idle connection holds no chunk.
        var scratch = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var used = 0;
        try
        {
            while (!buffer.IsEmpty)
            {
                var length = (int)Math.Min(buffer.Length, scratch.Length);
                buffer.Slice(0, length).CopyTo(scratch);
                used = Math.Max(used, length);
                StreamWrites++;
                await _stream.WriteAsync(scratch.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                buffer = buffer.Slice(length);
            }
        }
        finally
        {
            // Bytes that held a CONNECT with a password may have passed through here: cleared before pooling.
            scratch.AsSpan(0, used).Clear();
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
