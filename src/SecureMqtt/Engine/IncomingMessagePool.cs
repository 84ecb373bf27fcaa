using System.Buffers;
using System.Runtime.InteropServices;
using SecureMqtt.Packets;

namespace SecureMqtt.Engine;

/// <summary>
/// Received messages and their payload buffers for reuse, under <see cref="MqttClientOptions.PoolIncomingMessages"/>:
/// in the steady state a received message then allocates nothing. The payload of a pooled message is a
/// <see cref="PooledIncomingMessage"/> (a <see cref="MemoryManager{T}"/>), which is how a message finds its way back
/// without a field of its own that record equality would compare.
/// </summary>
/// <remarks>
/// Who may give a message back is tracked per message: the client while the message is queued or its handlers run
/// (it gives it back when the last handler has finished), the application once the message was handed to it through
/// <see cref="MqttClient.ReadMessagesAsync"/> (<see cref="MqttMessage.Return"/>). A Return by anyone else, or a second
/// one, does nothing, so a handler that calls Return cannot recycle a message another handler is still reading.
/// </remarks>
internal sealed class IncomingMessagePool
{
    /// <summary>Larger payload buffers go back to the shared array pool on return instead of staying with the message.</summary>
    internal const int RetainedBufferLimit = 4 * 1024;

    // Grows as messages come back, up to the capacity: an idle client's pool holds no array of that size.
    private readonly Stack<PooledIncomingMessage> _free = new();
    private readonly int _capacity;
    private readonly Lock _lock = new();

    public IncomingMessagePool(int capacity) => _capacity = capacity;

    /// <summary>Messages waiting for reuse (tests).</summary>
    internal int FreeCount
    {
        get
        {
            lock (_lock)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>A message holding a copy of <paramref name="payload"/>, owned by the client until handed over.</summary>
    public MqttMessage Rent(in MqttPublishFields fields, string topic, in ReadOnlySequence<byte> payload, bool duplicate)
    {
        PooledIncomingMessage? item;
        lock (_lock)
        {
            _free.TryPop(out item);
        }

        item ??= new PooledIncomingMessage(this);
        return item.Fill(fields, topic, payload, duplicate);
    }

    /// <summary>The client is done with <paramref name="message"/> (handlers finished, or not delivered); no-op when not pooled.</summary>
    public static void ReleaseByClient(MqttMessage message) => Release(message, PooledIncomingMessage.HeldByClient);

    /// <summary>The application gives <paramref name="message"/> back (<see cref="MqttMessage.Return"/>); no-op when not pooled or not its to give.</summary>
    public static void ReleaseByApplication(MqttMessage message) => Release(message, PooledIncomingMessage.HeldByApplication);

    private static void Release(MqttMessage message, int by)
    {
        if (MemoryMarshal.TryGetMemoryManager(message.Payload, out PooledIncomingMessage? owner))
        {
            owner.Release(message, by);
        }
    }

    /// <summary>The application holds <paramref name="message"/> from now on and gives it back with Return; no-op when not pooled.</summary>
    public static void HandToApplication(MqttMessage message)
    {
        if (MemoryMarshal.TryGetMemoryManager(message.Payload, out PooledIncomingMessage? owner))
        {
            owner.HandToApplication(message);
        }
    }

    internal void Give(PooledIncomingMessage item)
    {
        lock (_lock)
        {
            if (_free.Count < _capacity)
            {
                _free.Push(item);
            }

            // Over capacity (a burst the application held on to): this one is left to the collector.
        }
    }
}

/// <summary>One reusable received message: the message object, its payload buffer, and who holds it now.</summary>
internal sealed class PooledIncomingMessage : MemoryManager<byte>
{
    internal const int InPool = 0;
    internal const int HeldByClient = 1;
    internal const int HeldByApplication = 2;

    private readonly IncomingMessagePool _pool;
    private readonly MqttMessage _message = new() { Topic = string.Empty };
    private byte[] _buffer = [];
    private int _holder;

    public PooledIncomingMessage(IncomingMessagePool pool) => _pool = pool;

    public MqttMessage Fill(in MqttPublishFields fields, string topic, in ReadOnlySequence<byte> payload, bool duplicate)
    {
        var length = checked((int)payload.Length);
        if (_buffer.Length < length)
        {
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = ArrayPool<byte>.Shared.Rent(length);
        }

        payload.CopyTo(_buffer);
        _message.Refill(fields, topic, CreateMemory(length), duplicate);
        Volatile.Write(ref _holder, HeldByClient);
        return _message;
    }

    public void HandToApplication(MqttMessage message)
    {
        if (ReferenceEquals(message, _message))
        {
            Interlocked.CompareExchange(ref _holder, HeldByApplication, HeldByClient);
        }
    }

    /// <summary>Back to the pool when <paramref name="by"/> holds it; anything else (a copy, a second call) is ignored.</summary>
    public void Release(MqttMessage message, int by)
    {
        if (!ReferenceEquals(message, _message) || Interlocked.CompareExchange(ref _holder, InPool, by) != by)
        {
            return;
        }

        if (_buffer.Length > IncomingMessagePool.RetainedBufferLimit)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        _pool.Give(this);
    }

    public override Span<byte> GetSpan() => _buffer;

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        // For APIs that need the bytes fixed (native I/O): pinned as long as the handle lives.
        var handle = GCHandle.Alloc(_buffer, GCHandleType.Pinned);
        return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
    }

    public override void Unpin()
    {
        // The GCHandle in the MemoryHandle is what pins; nothing else to undo.
    }

    protected override void Dispose(bool disposing)
    {
        // Owned by the pool, never disposed through IMemoryOwner.
    }
}
