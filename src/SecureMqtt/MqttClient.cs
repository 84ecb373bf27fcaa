using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SecureMqtt.Session;

namespace SecureMqtt;

/// <summary>
/// An MQTT 3.1.1 / 5.0 client. Connect, publish, subscribe; incoming messages arrive through the handler of
/// every matching subscription, else <see cref="MessageHandler"/>, else <see cref="ReadMessagesAsync"/>.
/// After the connection is lost, <see cref="ConnectAsync(CancellationToken)"/> may be called again; with
/// CleanStart false the session (and its unacknowledged messages) resumes.
/// </summary>
public sealed partial class MqttClient : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly MqttSessionState _session;
    private readonly Channel<MqttMessage> _incoming;
    private readonly Channel<MqttMessage> _unhandled;
    private readonly IncomingByteBudget _incomingBytes;
    private readonly CancellationTokenSource _disposed = new();
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Task _dispatchLoop;
    private volatile ClientConnection? _current;
    private MqttConnectResult? _connectResult;

    /// <summary>Creates a client; nothing happens on the network until <see cref="ConnectAsync(CancellationToken)"/>.</summary>
    /// <param name="options">The settings, validated at connect.</param>
    public MqttClient(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _logger = (options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<MqttClient>();
        _session = new MqttSessionState(options.SessionStore ?? new MqttInMemorySessionStore());

        var capacity = Math.Max(1, options.IncomingMessageChannelCapacity);
        _incomingBytes = new IncomingByteBudget(options.IncomingMessageBufferSize);
        _incoming = Channel.CreateBounded<MqttMessage>(
            new BoundedChannelOptions(capacity) { FullMode = options.IncomingMessageFullMode, SingleReader = true, SingleWriter = true },
            dropped =>
            {
                _incomingBytes.Release(IncomingByteBudget.SizeOf(dropped));
                Log.MessageDropped(_logger, dropped.Topic, options.IncomingMessageFullMode.ToString());
            });
        _unhandled = Channel.CreateBounded<MqttMessage>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleWriter = true });
        _dispatchLoop = Task.Run(RunDispatchLoopAsync);
    }

    /// <summary>Raised (on the thread pool, never on the read loop) when the connection ends without DisconnectAsync.</summary>
    public event EventHandler<MqttConnectionLostEventArgs>? ConnectionLost;

    /// <summary>The options this client was created with.</summary>
    public MqttClientOptions Options { get; }

    /// <summary>True while connected.</summary>
    public bool IsConnected => _current is { IsAlive: true };

    /// <summary>The client id in use: the configured one, or the one an MQTT 5 broker assigned.</summary>
    public string ClientId => _connectResult?.ClientId ?? Options.ClientId;

    /// <summary>The CONNACK of the last successful connect, or null before the first.</summary>
    public MqttConnectResult? ConnectResult => _connectResult;

    /// <summary>What TLS negotiated on the current (or last) connection; null for plain TCP or before the first connect.</summary>
    public MqttTlsInfo? TlsInfo => _current?.Connection.TlsInfo;

    /// <summary>Bytes read on the current connection (tests use it to know a packet was processed).</summary>
    internal long BytesReceived => _current?.Connection.BytesReceived ?? 0;

    /// <summary>Bytes of received messages waiting for the application (tests check the bound and its release).</summary>
    internal long QueuedIncomingBytes => _incomingBytes.Used;

    /// <summary>
    /// Receives every message that no subscription handler matched; when null such messages go to
    /// <see cref="ReadMessagesAsync"/>. Runs off the read loop; the next message waits for it to finish.
    /// A handler that awaits a QoS 1/2 publish can stall when the incoming channel is full (the acknowledgement
    /// it waits for is behind the messages that wait for it): publish without awaiting, or raise the capacity.
    /// </summary>
    public Func<MqttMessage, CancellationToken, ValueTask>? MessageHandler { get; set; }

    /// <summary>
    /// Messages no handler took, in arrival order, until the client is disposed. The queue is bounded by
    /// <see cref="MqttClientOptions.IncomingMessageChannelCapacity"/> messages and
    /// <see cref="MqttClientOptions.IncomingMessageBufferSize"/> bytes; when it is full the client stops reading
    /// from the broker (backpressure) rather than dropping.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The messages.</returns>
    public async IAsyncEnumerable<MqttMessage> ReadMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = _unhandled.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                // Handed over: the application holds it now, so it no longer counts against the byte bound.
                _incomingBytes.Release(IncomingByteBudget.SizeOf(message));
                yield return message;
            }
        }
    }

    /// <summary>Disconnects (normal disconnection) if connected and releases everything.</summary>
    /// <returns>A task that completes when the client is closed.</returns>
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
                await DisconnectAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                // Best effort: the connection is going away either way.
            }
        }

        if (_current is { } connection)
        {
            Terminate(connection, new ObjectDisposedException(nameof(MqttClient)), raiseEvent: false);
            await connection.Closed.Task.ConfigureAwait(false);
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        _incoming.Writer.TryComplete();
        _unhandled.Writer.TryComplete();
        try
        {
            await _dispatchLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The dispatch loop ends by cancellation.
        }
    }

    private ClientConnection RequireConnection()
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var connection = _current;
        if (connection is not { IsAlive: true })
        {
            throw new MqttConnectionLostException("The client is not connected; call ConnectAsync first.", connection?.TerminationReason);
        }

        return connection;
    }
}
