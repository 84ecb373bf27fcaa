namespace SecureMqtt.Tests.Infrastructure;

/// <summary>A write-only stream whose writes block while the gate is closed; it counts writes and keeps the bytes.</summary>
public sealed class GatedStream : Stream
{
    private readonly Lock _lock = new();
    private readonly MemoryStream _written = new();
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _firstWriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (long Count, TaskCompletionSource Signal)? _waiter;

    public GatedStream(bool open = true)
    {
        if (open)
        {
            _gate.SetResult();
        }
    }

    public int WriteCalls { get; private set; }

    public Exception? FailWith { get; set; }

    public Task FirstWriteStarted => _firstWriteStarted.Task;

    public byte[] Written
    {
        get
        {
            lock (_lock)
            {
                return _written.ToArray();
            }
        }
    }

    public void Open() => _gate.TrySetResult();

    /// <summary>Completes when at least <paramref name="count"/> bytes were written.</summary>
    public Task WaitForBytesAsync(long count)
    {
        lock (_lock)
        {
            if (_written.Length >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = (count, signal);
            return signal.Task;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _firstWriteStarted.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        if (FailWith is { } failure)
        {
            throw failure;
        }

        TaskCompletionSource? ready = null;
        lock (_lock)
        {
            WriteCalls++;
            _written.Write(buffer.Span);
            if (_waiter is { } w && _written.Length >= w.Count)
            {
                ready = w.Signal;
                _waiter = null;
            }
        }

        ready?.TrySetResult();
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
}
