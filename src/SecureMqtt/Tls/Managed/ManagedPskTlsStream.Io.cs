using System.Runtime.InteropServices;
using Org.BouncyCastle.Tls;
using SecureMqtt.Tls.OpenSsl;

// The useAsync: false paths back the synchronous Stream overloads, which must stay synchronous.
#pragma warning disable VSTHRD103

namespace SecureMqtt.Tls.Managed;

internal sealed partial class ManagedPskTlsStream
{
    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool useAsync, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (useAsync)
        {
            await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _readLock.Wait(cancellationToken);
        }

        try
        {
            while (true)
            {
                lock (_gate)
                {
                    if (_protocol.GetAvailableInputBytes() > 0)
                    {
                        return ReadAvailable(buffer);
                    }

                    if (_inputClosed || _protocol.IsClosed)
                    {
                        return 0;
                    }
                }

                // The read lock keeps _inBuffer ours; the gate is not held while waiting, so writers go on.
                var read = useAsync
                    ? await _inner.ReadAsync(_inBuffer, cancellationToken).ConfigureAwait(false)
                    : _inner.Read(_inBuffer, 0, _inBuffer.Length);
                var replyPending = false;
                lock (_gate)
                {
                    try
                    {
                        if (read == 0)
                        {
                            // MQTT frames its own packets: a TCP close without close_notify is an end of stream, and the
                            // layer above sees a truncated packet if one was cut.
                            _inputClosed = true;
                            return 0;
                        }

                        _protocol.OfferInput(_inBuffer, 0, read);
                        replyPending = _protocol.GetAvailableOutputBytes() > 0;
                    }
                    catch (TlsFatalAlertReceived ex)
                    {
                        throw new PskTlsException(PskTlsFailure.ConnectionClosed, $"The server ended the TLS session with the alert {AlertDescription.GetText(ex.AlertDescription)}.", ex);
                    }
                    catch (IOException ex) when (ex is TlsException)
                    {
                        throw new PskTlsException(PskTlsFailure.ProtocolError, $"The TLS session broke: {ex.Message}", ex);
                    }
                }

                // A close_notify answer or a TLS 1.3 KeyUpdate reply: send it under the write lock, after leaving the gate.
                if (replyPending)
                {
                    await SendUnderWriteLockAsync(useAsync, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _readLock.Release();
        }
    }

    // Called under the gate. The protocol reads into arrays only; a Memory over native or pooled memory goes through a copy.
    private int ReadAvailable(Memory<byte> buffer)
    {
        if (MemoryMarshal.TryGetArray<byte>(buffer, out var segment))
        {
            return _protocol.ReadInput(segment.Array!, segment.Offset, segment.Count);
        }

        var count = _protocol.ReadInput(_plainBuffer, 0, Math.Min(_plainBuffer.Length, buffer.Length));
        _plainBuffer.AsSpan(0, count).CopyTo(buffer.Span);
        return count;
    }

    private async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> buffer, bool useAsync, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (useAsync)
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _writeLock.Wait(cancellationToken);
        }

        try
        {
            while (!buffer.IsEmpty)
            {
                var chunk = buffer[..Math.Min(MaxPlaintextChunk, buffer.Length)];
                lock (_gate)
                {
                    if (_protocol.IsClosed)
                    {
                        throw new IOException("The TLS-PSK session is closed.");
                    }

                    _protocol.WriteApplicationData(chunk.Span);
                }

                await SendPendingAsync(useAsync, cancellationToken).ConfigureAwait(false);
                buffer = buffer[chunk.Length..];
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask SendUnderWriteLockAsync(bool useAsync, CancellationToken cancellationToken)
    {
        if (useAsync)
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _writeLock.Wait(cancellationToken);
        }

        try
        {
            await SendPendingAsync(useAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Moves all ciphertext the protocol has queued to the inner stream. Callers hold the write lock (or are the handshake).</summary>
    private async ValueTask SendPendingAsync(bool useAsync, CancellationToken cancellationToken)
    {
        while (true)
        {
            int count;
            lock (_gate)
            {
                count = _protocol.ReadOutput(_outBuffer, 0, _outBuffer.Length);
            }

            if (count == 0)
            {
                return;
            }

            if (useAsync)
            {
                await _inner.WriteAsync(_outBuffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _inner.Write(_outBuffer, 0, count);
            }
        }
    }

    private async ValueTask CloseCoreAsync(bool useAsync)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // Best effort: a writer still holding the lock, or a dead socket, only costs the close_notify.
            var locked = useAsync ? await _writeLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false) : _writeLock.Wait(TimeSpan.FromSeconds(1));
            if (locked)
            {
                try
                {
                    lock (_gate)
                    {
                        _protocol.Close();
                    }

                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                    await SendPendingAsync(useAsync, cts.Token).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            if (useAsync)
            {
                await _inner.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                _inner.Dispose();
            }
        }
    }
}
