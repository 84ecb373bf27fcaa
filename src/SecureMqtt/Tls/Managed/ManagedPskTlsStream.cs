using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Security;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using SecureMqtt.Tls.OpenSsl;

namespace SecureMqtt.Tls.Managed;

/// <summary>
/// TLS-PSK in managed code (BouncyCastle), for platforms without libssl.so.3 or when forced with
/// <see cref="MqttPskImplementation.Managed"/>. BouncyCastle's protocol runs in its non-blocking mode: it never touches
/// the inner stream; this type moves ciphertext between it and the inner stream with async I/O, as
/// <see cref="PskTlsStream"/> does with OpenSSL's memory BIOs, so no thread ever blocks on the network.
/// </summary>
/// <remarks>
/// One reader and one writer may run at once. Every call into the protocol object happens under one short lock that is
/// never held across I/O; ciphertext leaves only under the write lock, in the order the protocol produced it.
/// Failures are <see cref="PskTlsException"/> of the same kinds the OpenSSL path throws. No session is resumed.
/// </remarks>
internal sealed partial class ManagedPskTlsStream : Stream
{
    private const int CipherBufferSize = 16 * 1024 + 512;
    private const int MaxPlaintextChunk = 16 * 1024;

    private readonly Stream _inner;
    private readonly TlsClientProtocol _protocol;
    private readonly Lock _gate = new();

    [SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "AvailableWaitHandle is never used, so there is nothing to release; disposing would make a Release racing with Dispose throw.")]
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    [SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "As for _writeLock.")]
    private readonly SemaphoreSlim _readLock = new(1, 1);

    private readonly byte[] _inBuffer = new byte[CipherBufferSize];
    private readonly byte[] _outBuffer = new byte[CipherBufferSize];
    private readonly byte[] _plainBuffer = new byte[MaxPlaintextChunk];
    private int _disposed;
    private bool _inputClosed;

    private ManagedPskTlsStream(Stream inner, TlsClientProtocol protocol)
    {
        _inner = inner;
        _protocol = protocol;
    }

    /// <summary>The negotiated version as OpenSSL names it (<c>TLSv1.2</c>, <c>TLSv1.3</c>), so both paths report alike.</summary>
    public string NegotiatedProtocol { get; private set; } = string.Empty;

    /// <summary>The negotiated suite's IANA name, e.g. <c>TLS_DHE_PSK_WITH_AES_256_GCM_SHA384</c>.</summary>
    public string CipherSuite { get; private set; } = string.Empty;

    /// <inheritdoc/>
    public override bool CanRead => Volatile.Read(ref _disposed) == 0;

    /// <inheritdoc/>
    public override bool CanWrite => Volatile.Read(ref _disposed) == 0;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Runs the handshake over <paramref name="inner"/>; on success the stream owns it, on failure the caller still does.</summary>
    public static async Task<ManagedPskTlsStream> ConnectAsync(Stream inner, PskTlsClientOptions options, CancellationToken cancellationToken)
    {
        var versions = Versions(options);
        var client = ManagedPskTlsClient.Create(new BcTlsCrypto(new SecureRandom()), options.Identity, options.Key.Span, versions, options.ServerName);
        var protocol = new TlsClientProtocol();
        var stream = new ManagedPskTlsStream(inner, protocol);
        try
        {
            await stream.HandshakeAsync(client, options.Identity, options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        finally
        {
            client.ClearKey();
        }
    }

    private static ProtocolVersion[] Versions(PskTlsClientOptions options)
    {
        var min = options.MinimumVersion == System.Security.Authentication.SslProtocols.Tls13 ? ProtocolVersion.TLSv13 : ProtocolVersion.TLSv12;
        var max = options.MaximumVersion == System.Security.Authentication.SslProtocols.Tls12 ? ProtocolVersion.TLSv12 : ProtocolVersion.TLSv13;
        if (max.IsEarlierVersionOf(min))
        {
            throw new ArgumentException("MaximumVersion is below MinimumVersion, so no TLS version is left to offer.", nameof(options));
        }

        return max.DownTo(min);
    }

    private async Task HandshakeAsync(ManagedPskTlsClient client, string identity, TimeSpan handshakeTimeout, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(handshakeTimeout);
        var token = timeout.Token;
        var receivedAnything = false;
        try
        {
            PskTlsException? failure = null;
            lock (_gate)
            {
                try
                {
                    _protocol.Connect(client);
                }
                catch (IOException ex)
                {
                    failure = ManagedPskDiagnosis.FromBouncyCastle(ex, client, identity, receivedAnything);
                }
            }

            while (true)
            {
                try
                {
                    // Even a failure may have queued an alert for the server: send it so the broker logs the reason too.
                    await SendPendingAsync(useAsync: true, token).ConfigureAwait(false);
                }
                catch (IOException) when (failure is not null)
                {
                }

                if (failure is not null)
                {
                    throw failure;
                }

                if (client.HandshakeComplete)
                {
                    break;
                }

                // WaitAsync: the timeout must hold even over an inner stream that ignores cancellation.
                var read = await _inner.ReadAsync(_inBuffer, token).AsTask().WaitAsync(token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw ManagedPskDiagnosis.ClosedDuringHandshake(receivedAnything, client, identity);
                }

                if (!receivedAnything && _inBuffer[0] is < 20 or > 24)
                {
                    throw ManagedPskDiagnosis.NotTls(_inBuffer.AsSpan(0, read));
                }

                receivedAnything = true;
                lock (_gate)
                {
                    try
                    {
                        _protocol.OfferInput(_inBuffer, 0, read);
                    }
                    catch (IOException ex)
                    {
                        failure = ManagedPskDiagnosis.FromBouncyCastle(ex, client, identity, receivedAnything);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PskTlsException(
                PskTlsFailure.Timeout,
                string.Create(CultureInfo.InvariantCulture, $"The TLS-PSK handshake did not complete within {handshakeTimeout.TotalSeconds:0.###} s: ") +
                (receivedAnything
                    ? "the server stopped answering part-way."
                    : "the server sent nothing back. Check the host and port, and that a TLS listener (not a firewall black hole) is there."));
        }
        catch (IOException ex)
        {
            throw ManagedPskDiagnosis.ClosedDuringHandshake(receivedAnything, client, identity, ex);
        }

        NegotiatedProtocol = client.NegotiatedVersion is { } version && TlsUtilities.IsTlsV13(version) ? "TLSv1.3" : "TLSv1.2";
        CipherSuite = ((TlsCipherSuite)client.NegotiatedCipherSuite).ToString();
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Sync(ReadCoreAsync(buffer.AsMemory(offset, count), useAsync: false, CancellationToken.None));
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadCoreAsync(buffer.AsMemory(offset, count), useAsync: true, cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, useAsync: true, cancellationToken);

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Sync(WriteCoreAsync(buffer.AsMemory(offset, count), useAsync: false, CancellationToken.None));
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteCoreAsync(buffer.AsMemory(offset, count), useAsync: true, cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(buffer, useAsync: true, cancellationToken);

    /// <inheritdoc/>
    public override void Flush() => _inner.Flush();

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    /// <summary>Sends close_notify (best effort) and disposes the inner stream.</summary>
    /// <returns>A task that completes when the session is closed.</returns>
    public override async ValueTask DisposeAsync()
    {
        await CloseCoreAsync(useAsync: true).ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Sync(CloseCoreAsync(useAsync: false));
        }

        base.Dispose(disposing);
    }

    // With useAsync false the core methods never await anything incomplete, so these only unwrap a finished task.
#pragma warning disable VSTHRD002 // Avoid problematic synchronous waits
    private static T Sync<T>(ValueTask<T> completed) => completed.GetAwaiter().GetResult();

    private static void Sync(ValueTask completed) => completed.GetAwaiter().GetResult();
#pragma warning restore VSTHRD002

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
