using System.Diagnostics.CodeAnalysis;
using SecureMqtt.Tls.OpenSsl.Interop;

namespace SecureMqtt.Tls.OpenSsl;

/// <summary>
/// A connected TLS-PSK client session over an inner stream (usually a TCP <see cref="System.Net.Sockets.NetworkStream"/>).
/// OpenSSL 3 runs the TLS state machine over two memory BIOs and never touches a socket: this type moves ciphertext
/// between those BIOs and the inner stream, so any transport that is a <see cref="Stream"/> can carry it.
/// </summary>
/// <remarks>
/// <para>One reader and one writer may run at the same time (a read loop and a publisher, say). Every OpenSSL call
/// happens under one short lock that is never held across I/O; ciphertext is written to the inner stream in the order
/// OpenSSL produced it.</para>
/// <para>On success the stream owns the inner stream and disposes it with itself unless
/// <see cref="PskTlsClientOptions.LeaveInnerStreamOpen"/> is set. If <see cref="ConnectAsync"/> fails, the caller keeps it.</para>
/// <para>A read returns 0 when the server sends close_notify or closes the connection; MQTT frames its own packets, so
/// a truncated TLS stream shows up as an incomplete packet in the layer above.</para>
/// </remarks>
public sealed partial class PskTlsStream : Stream
{
    // One maximal TLS record (16 KiB plaintext plus header and AEAD expansion) fits in each buffer.
    private const int CipherBufferSize = 16 * 1024 + 512;
    private const int MaxPlaintextChunk = 16 * 1024;

    private readonly Stream _inner;
    private readonly bool _leaveInnerOpen;
    private readonly SafeSslHandle _ssl;
    private readonly IntPtr _readBio;
    private readonly IntPtr _writeBio;

    // Guards every call into the SSL object and its BIOs; held only for synchronous native calls, never across an await.
    private readonly Lock _sslGate = new();

    // Serialise writers (so records reach the inner stream in order) and readers (one SSL_read consumer).
    // Lock order: _writeLock before _sslGate; a reader takes _writeLock only after leaving _sslGate.
    [SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "AvailableWaitHandle is never used, so there is nothing to release; disposing would make a Release racing with Dispose throw.")]
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    [SuppressMessage("Usage", "CA2213:Disposable fields should be disposed", Justification = "As for _writeLock.")]
    private readonly SemaphoreSlim _readLock = new(1, 1);

    private readonly byte[] _inBuffer = new byte[CipherBufferSize];
    private readonly byte[] _outBuffer = new byte[CipherBufferSize];
    private int _disposed;
    private PskSessionCache? _sessionCache;
    private string? _sessionKey;
    private IntPtr _offeredSession;
    private bool _sessionKept;
    private bool _handshakeDone;

    private PskTlsStream(Stream inner, bool leaveInnerOpen, SafeSslHandle ssl, IntPtr readBio, IntPtr writeBio)
    {
        _inner = inner;
        _leaveInnerOpen = leaveInnerOpen;
        _ssl = ssl;
        _readBio = readBio;
        _writeBio = writeBio;
    }

    /// <summary>True only where the system OpenSSL 3 (libssl.so.3) loads and exports the PSK client API. Never throws.</summary>
    public static bool IsSupported => OpenSslSupport.UnavailableReason is null;

    /// <summary>The negotiated TLS version as OpenSSL names it: <c>TLSv1.2</c> or <c>TLSv1.3</c>.</summary>
    public string NegotiatedProtocol { get; private set; } = string.Empty;

    /// <summary>Whether this handshake offered a session from <see cref="PskTlsClientOptions.SessionCache"/> (the server may still have run a full one).</summary>
    public bool SessionOffered { get; private set; }

    /// <summary>Whether the server resumed the offered session (no full handshake, no new key exchange in TLS 1.2).</summary>
    public bool SessionResumed { get; private set; }

    /// <summary>The negotiated cipher suite as OpenSSL names it, e.g. <c>PSK-AES128-GCM-SHA256</c> or <c>TLS_AES_128_GCM_SHA256</c>.</summary>
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
    /// <remarks>Every write already hands its ciphertext to the inner stream; this flushes the inner stream.</remarks>
    public override void Flush() => Sync(FlushCoreAsync(useAsync: false, CancellationToken.None));

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        FlushCoreAsync(useAsync: true, cancellationToken).AsTask();

    /// <summary>Sends close_notify (best effort), frees the native TLS state and, unless told otherwise, disposes the inner stream.</summary>
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
