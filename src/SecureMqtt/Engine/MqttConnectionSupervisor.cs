using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SecureMqtt.Session;

namespace SecureMqtt.Engine;

/// <summary>
/// What outlives a connection: the session state, the subscriptions the application made, the offline queue, the
/// incoming message channels and handlers, the list of servers and the reconnect policy. It opens one
/// <see cref="MqttProtocolConnection"/> at a time, and when one is lost it decides, once, what becomes of the
/// operations pending on it: they wait for the next connection (reconnect) or fail with the reason.
/// </summary>
internal sealed partial class MqttConnectionSupervisor : IAsyncDisposable
{
    private readonly MqttClient _client;
    private readonly Lock _stateLock = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private readonly Channel<(Action<MqttClient> Raise, bool IsLoss)> _events =
        Channel.CreateUnbounded<(Action<MqttClient>, bool)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _eventLoop;
    private MqttClientState _state = MqttClientState.Disconnected;
    private volatile MqttProtocolConnection? _current;
    private MqttProtocolConnection? _last;
    private MqttConnectResult? _connectResult;
    private string? _assignedClientId;
    private bool _everConnected;
    private volatile bool _closing;
    private Exception? _lastFailure;
    private CancellationTokenSource? _reconnectStop;
    private Task _reconnectLoop = Task.CompletedTask;
    private TaskCompletionSource _stateChanged = NewSignal();

    public MqttConnectionSupervisor(MqttClient client, MqttClientOptions options)
    {
        _client = client;
        Options = options;
        Logger = (options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<MqttClient>();
        Session = new MqttSessionState(options.SessionStore ?? new MqttInMemorySessionStore());

        // Durable store: queue and subscriptions are kept under the configured client id (see .Store.cs).
        var durable = DurableStore;
        Queue = new OfflineQueue(options.OfflineQueue ?? new MqttOfflineQueueOptions(), durable, options.ClientId);
        Subscriptions = new SubscriptionRegistry(durable, options.ClientId);
        _incomingBytes = new IncomingByteBudget(options.IncomingMessageBufferSize);
        var capacity = Math.Max(1, options.IncomingMessageChannelCapacity);
        _incoming = Channel.CreateBounded<IncomingDelivery>(
            new BoundedChannelOptions(capacity) { FullMode = options.IncomingMessageFullMode, SingleReader = true, SingleWriter = true },
            delivery =>
            {
                // Only the drop modes drop, and they acknowledge on arrival: nothing is owed for the dropped message.
                var dropped = delivery.Message;
                _incomingBytes.Release(IncomingByteBudget.SizeOf(dropped));
                Log.MessageDropped(Logger, dropped.Topic, options.IncomingMessageFullMode.ToString());
                if (MqttMetrics.DroppedMessages.Enabled)
                {
                    MqttMetrics.RecordDropped(offline: false, "channel_full");
                }

                IncomingMessagePool.ReleaseByClient(dropped);
            });
        // Every message can be waiting in one of the two queues, so that many are worth keeping for reuse (and no more:
        // each keeps a payload buffer of up to IncomingMessagePool.RetainedBufferLimit).
        IncomingPool = options.PoolIncomingMessages ? new IncomingMessagePool(Math.Min(2 * capacity, 4096)) : null;
        _unhandled = Channel.CreateBounded<UnhandledMessage>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleWriter = true });
        _dispatchLoop = Task.Run(RunDispatchLoopAsync);
        _eventLoop = Task.Run(RunEventLoopAsync);
        MqttMetrics.Register(this);
    }

    public MqttClientOptions Options { get; }

    /// <summary>Reusable received messages under <see cref="MqttClientOptions.PoolIncomingMessages"/>; null without it.</summary>
    public IncomingMessagePool? IncomingPool { get; }

    public ILogger Logger { get; }

    public MqttSessionState Session { get; }

    public OfflineQueue Queue { get; }

    public SubscriptionRegistry Subscriptions { get; }

    public MqttClientState State
    {
        get
        {
            lock (_stateLock)
            {
                return _state;
            }
        }
    }

    /// <summary>The connection the application's operations use: connected, session adopted, subscriptions restored.</summary>
    public MqttProtocolConnection? Current => _current;

    public bool IsConnected => _current is { IsAlive: true };

    public bool IsDisposed => _disposed.IsCancellationRequested;

    public MqttConnectResult? ConnectResult => _connectResult;

    public string ClientId => _connectResult?.ClientId ?? Options.ClientId;

    private Tls.OpenSsl.PskSessionCache? _pskSessions;

    /// <summary>
    /// TLS-PSK sessions of this client's earlier connections, so a reconnect to the same server resumes (a TLS 1.3
    /// ticket or a TLS 1.2 session) instead of a full handshake. Made on the first PSK connection; freed on dispose.
    /// </summary>
    internal Tls.OpenSsl.PskSessionCache PskSessions => LazyInitializer.EnsureInitialized(ref _pskSessions);

    /// <summary>The current connection, or the last one (what TLS negotiated stays readable after a loss).</summary>
    public MqttProtocolConnection? LastConnection => _current ?? _last;

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        if (IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), Options.TimeProvider);
                await DisconnectAsync(Packets.MqttReasonCode.NormalDisconnection, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttException or OperationCanceledException or IOException or ObjectDisposedException or ArgumentException)
            {
                // Best effort: the connection is going away either way.
            }
        }

        _closing = true;
        await StopReconnectingAsync().ConfigureAwait(false);
        var disposed = new ObjectDisposedException(nameof(MqttClient));
        if (LastConnection is { } connection)
        {
            connection.Terminate(disposed, unexpected: false);
            await connection.Closed.Task.ConfigureAwait(false);
        }

        SetState(MqttClientState.Disposed);
        _pskSessions?.Dispose();
        MqttMetrics.Unregister(this);
        Session.FailPending(disposed);
        Queue.FailAll(disposed);
        await _disposed.CancelAsync().ConfigureAwait(false);
        _incoming.Writer.TryComplete();
        _unhandled.Writer.TryComplete();
        _consumed.TryAbandon();
        _events.Writer.TryComplete();
        try
        {
            await _dispatchLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The dispatch loop ends by cancellation.
        }

        if (!s_inEventHandler.Value)
        {
            await _eventLoop.ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void SetState(MqttClientState state)
    {
        TaskCompletionSource changed;
        lock (_stateLock)
        {
            if (_state == MqttClientState.Disposed || _state == state)
            {
                return;
            }

            _state = state;
            changed = _stateChanged;
            _stateChanged = NewSignal();
        }

        changed.TrySetResult();
    }

    /// <summary>
    /// Waits for a connection the application's operations can use: at once when connected, after the attempt when
    /// connecting or reconnecting; throws when there is none and none is coming.
    /// </summary>
    public async ValueTask<MqttProtocolConnection> WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, _client);
            Task changed;
            lock (_stateLock)
            {
                if (_current is { IsAlive: true } connection)
                {
                    return connection;
                }

                if (_state is not (MqttClientState.Connecting or MqttClientState.Reconnecting))
                {
                    throw NotConnected();
                }

                changed = _stateChanged.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public MqttConnectionLostException NotConnected() =>
        new("The client is not connected; call ConnectAsync first.", _lastFailure ?? _last?.TerminationReason);

    // Lifecycle events run one at a time, in order, on a task of their own: never on the read loop, so a slow
    // handler cannot stall the protocol, and never after the application disconnected or disposed the client.
    private static readonly AsyncLocal<bool> s_inEventHandler = new();

    private void Raise(Action<MqttClient> raise, bool isLoss) => _events.Writer.TryWrite((raise, isLoss));

    private async Task RunEventLoopAsync()
    {
        s_inEventHandler.Value = true;
        await foreach (var (raise, isLoss) in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (IsDisposed || (isLoss && _closing))
            {
                continue;
            }

            try
            {
                raise(_client);
            }
#pragma warning disable CA1031 // An application's event handler must not take the client down with it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.EventHandlerFailed(Logger, raise.Method.Name, ex);
            }
        }
    }
}
