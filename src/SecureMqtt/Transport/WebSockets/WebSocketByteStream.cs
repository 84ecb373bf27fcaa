using System.Net.WebSockets;

namespace SecureMqtt.Transport.WebSockets;

/// <summary>
/// The WebSocket seen as the byte stream the MQTT framing reads and writes. MQTT packets and WebSocket messages are
/// independent [MQTT-6.0.0-2]: a read returns whatever payload bytes arrived, across frame and message boundaries,
/// and the framing layer finds the packets in them; each write (one flush of the output buffer, many coalesced
/// packets or part of a large one) goes out as one binary message. A text message breaks the protocol and ends the
/// connection [MQTT-6.0.0-1]; the server's Close frame reads as the end of the stream. WebSocket failures surface as
/// <see cref="IOException"/>, as a socket's would.
/// </summary>
internal sealed class WebSocketByteStream(WebSocket socket, Stream inner) : Stream
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (WebSocketException ex)
            {
                throw new IOException($"The WebSocket failed: {ex.Message}", ex);
            }

            switch (result.MessageType)
            {
                case WebSocketMessageType.Close:
                    return 0;
                case WebSocketMessageType.Text:
                    throw new IOException("The server sent a WebSocket text message; MQTT over WebSocket is carried in binary messages only [MQTT-6.0.0-1].");
                default:
                    // An empty frame carries nothing; returning 0 for it would read as the end of the stream.
                    if (result.Count > 0)
                    {
                        return result.Count;
                    }

                    break;
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The WebSocket stream is asynchronous only.");

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        try
        {
            await socket.SendAsync(buffer, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            throw new IOException($"The WebSocket failed: {ex.Message}", ex);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The WebSocket stream is asynchronous only.");

    // Every send is written through to the stream below at once: there is nothing buffered here to flush.
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            socket.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        // A Close frame tells the server this end is done (RFC 6455 section 7.1.2), after MQTT's own DISCONNECT. Not
        // waiting for its answer, and bounded: a dead connection must not hold up teardown.
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The connection is going away either way.
            }
        }

        socket.Dispose();
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
