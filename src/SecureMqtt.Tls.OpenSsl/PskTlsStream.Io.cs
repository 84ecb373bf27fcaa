using SecureMqtt.Tls.OpenSsl.Interop;

namespace SecureMqtt.Tls.OpenSsl;

// The sync and async paths share one implementation: with useAsync false every await below meets a completed task.
#pragma warning disable VSTHRD103 // Call async methods when in an async method: the sync Stream overloads must stay synchronous.

public sealed partial class PskTlsStream
{
    private static readonly TimeSpan CloseNotifyBudget = TimeSpan.FromSeconds(2);

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool useAsync, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (buffer.IsEmpty)
        {
            return 0;
        }

        await AcquireAsync(_readLock, useAsync, cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var (read, error, failure, outputPending) = SslRead(buffer.Span);

                // SSL_read can produce records of its own (a TLS 1.3 KeyUpdate answer, an alert): send them in order with writers'.
                if (outputPending)
                {
                    await FlushWriteBioAsync(useAsync, cancellationToken).ConfigureAwait(false);
                }

                if (failure is not null)
                {
                    throw failure;
                }

                if (read > 0)
                {
                    return read;
                }

                if (error == LibSsl.SslErrorZeroReturn)
                {
                    return 0;
                }

                // WANT_READ: pull more ciphertext without holding _sslGate, so a writer is never stuck behind this read.
                var received = useAsync
                    ? await _inner.ReadAsync(_inBuffer, cancellationToken).ConfigureAwait(false)
                    : _inner.Read(_inBuffer);
                if (received == 0)
                {
                    return 0;
                }

                FeedReadBio(_inBuffer.AsSpan(0, received));
            }
        }
        finally
        {
            _readLock.Release();
        }
    }

    private async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> buffer, bool useAsync, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (buffer.IsEmpty)
        {
            return;
        }

        await AcquireAsync(_writeLock, useAsync, cancellationToken).ConfigureAwait(false);
        try
        {
            var remaining = buffer;
            while (!remaining.IsEmpty)
            {
                // One record's worth at a time keeps the write BIO (and so memory) bounded for large payloads.
                var chunk = remaining[..Math.Min(remaining.Length, MaxPlaintextChunk)];
                var written = SslWrite(chunk.Span);
                remaining = remaining[written..];
                await DrainWriteBioAsync(useAsync, cancellationToken).ConfigureAwait(false);
            }

            await FlushInnerAsync(useAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask FlushCoreAsync(bool useAsync, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        await FlushWriteBioAsync(useAsync, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask FlushWriteBioAsync(bool useAsync, CancellationToken cancellationToken)
    {
        await AcquireAsync(_writeLock, useAsync, cancellationToken).ConfigureAwait(false);
        try
        {
            await DrainWriteBioAsync(useAsync, cancellationToken).ConfigureAwait(false);
            await FlushInnerAsync(useAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Moves every pending ciphertext byte from the write BIO to the inner stream. Caller holds _writeLock (or is the handshake).</summary>
    private async ValueTask DrainWriteBioAsync(bool useAsync, CancellationToken cancellationToken)
    {
        while (true)
        {
            var count = TakeFromWriteBio();
            if (count <= 0)
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

    private async ValueTask FlushInnerAsync(bool useAsync, CancellationToken cancellationToken)
    {
        if (useAsync)
        {
            await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _inner.Flush();
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "close_notify is a courtesy: a dead or disposed inner stream must not stop the native state from being freed.")]
    private async ValueTask CloseCoreAsync(bool useAsync)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            using var budget = new CancellationTokenSource(CloseNotifyBudget);
            var acquired = useAsync
                ? await _writeLock.WaitAsync(CloseNotifyBudget).ConfigureAwait(false)
                : _writeLock.Wait(CloseNotifyBudget);
            if (acquired)
            {
                try
                {
                    if (QueueCloseNotify())
                    {
                        await DrainWriteBioAsync(useAsync, budget.Token).ConfigureAwait(false);
                        await FlushInnerAsync(useAsync, budget.Token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        catch (Exception)
        {
            // Best effort only; see the suppression's justification.
        }
        finally
        {
            FreeNativeState();
            if (!_leaveInnerOpen)
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

    private static async ValueTask AcquireAsync(SemaphoreSlim semaphore, bool useAsync, CancellationToken cancellationToken)
    {
        if (useAsync)
        {
            await semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            semaphore.Wait(cancellationToken);
        }
    }

    private unsafe (int Read, int Error, PskTlsException? Failure, bool OutputPending) SslRead(Span<byte> destination)
    {
        lock (_sslGate)
        {
            ObjectDisposedException.ThrowIf(_ssl.IsClosed, this);
            OpenSslErrorQueue.Clear();
            int ok;
            nuint read;
            fixed (byte* p = destination)
            {
                ok = LibSsl.SSL_read_ex(_ssl, p, (nuint)destination.Length, out read);
            }

            var pending = PendingOutput();
            if (ok == 1)
            {
                if (!_sessionKept && _sessionCache is { } cache && _sessionKey is { } key)
                {
                    // The first application data comes after the server's TLS 1.3 tickets (sent right after its
                    // Finished), so the session is complete now; keeping it here, rather than only when the connection
                    // ends, also covers a connection that then breaks (a fatal error makes OpenSSL drop its session).
                    _sessionKept = true;
                    cache.Keep(_ssl, key);
                }

                return ((int)read, LibSsl.SslErrorNone, null, pending);
            }

            var error = LibSsl.SSL_get_error(_ssl, ok);
            return error is LibSsl.SslErrorWantRead or LibSsl.SslErrorZeroReturn
                ? (0, error, null, pending)
                : (0, error, SessionFailure("reading", error), pending);
        }
    }

    private unsafe int SslWrite(ReadOnlySpan<byte> source)
    {
        lock (_sslGate)
        {
            ObjectDisposedException.ThrowIf(_ssl.IsClosed, this);
            OpenSslErrorQueue.Clear();
            int ok;
            nuint written;
            fixed (byte* p = source)
            {
                ok = LibSsl.SSL_write_ex(_ssl, p, (nuint)source.Length, out written);
            }

            if (ok == 1)
            {
                return (int)written;
            }

            // A memory BIO never fills up, and renegotiation is off, so any failure here is final.
            throw SessionFailure("writing", LibSsl.SSL_get_error(_ssl, ok));
        }
    }

    private static PskTlsException SessionFailure(string operation, int error)
    {
        var (reasons, text) = OpenSslErrorQueue.Drain();
        var closed = error == LibSsl.SslErrorSyscall || reasons.Contains(OpenSslErrorQueue.ReasonUnexpectedEof);
        return HandshakeDiagnosis.Create(
            closed ? PskTlsFailure.ConnectionClosed : PskTlsFailure.ProtocolError,
            closed
                ? $"The TLS session broke off while {operation}."
                : $"A TLS error occurred while {operation} (the record was corrupted or the server sent an alert).",
            text);
    }

    private unsafe void FeedReadBio(ReadOnlySpan<byte> ciphertext)
    {
        lock (_sslGate)
        {
            ObjectDisposedException.ThrowIf(_ssl.IsClosed, this);
            fixed (byte* p = ciphertext)
            {
                // A memory BIO grows as needed, so the write takes everything or fails for lack of memory.
                if (LibCrypto.BIO_write(_readBio, p, ciphertext.Length) != ciphertext.Length)
                {
                    throw new InsufficientMemoryException("OpenSSL could not buffer received TLS data.");
                }
            }
        }
    }

    private unsafe int TakeFromWriteBio()
    {
        lock (_sslGate)
        {
            if (_ssl.IsClosed)
            {
                return 0;
            }

            fixed (byte* p = _outBuffer)
            {
                // An empty memory BIO answers -1 ("retry"), which ends the drain loop like 0 does.
                return LibCrypto.BIO_read(_writeBio, p, _outBuffer.Length);
            }
        }
    }

    private bool PendingOutput() => LibCrypto.BIO_ctrl(_writeBio, LibCrypto.BioCtrlPending, 0, IntPtr.Zero) > 0;

    private bool QueueCloseNotify()
    {
        lock (_sslGate)
        {
            if (_ssl.IsClosed)
            {
                return false;
            }

            OpenSslErrorQueue.Clear();
            LibSsl.SSL_shutdown(_ssl);
            OpenSslErrorQueue.Clear();
            return PendingOutput();
        }
    }

    private void FreeNativeState()
    {
        lock (_sslGate)
        {
            // Kept before SSL_free, and only from a completed handshake; the cache copies it (see PskSessionCache.Keep).
            if (_handshakeDone && _sessionCache is { } cache && _sessionKey is { } key && !_ssl.IsClosed)
            {
                cache.Keep(_ssl, key);
            }

            _ssl.Dispose();
        }
    }
}
