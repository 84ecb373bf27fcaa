using Microsoft.Extensions.Logging;
using SecureMqtt.Framing;
using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Engine;

/// <summary>
/// The MQTT protocol over one network connection, from CONNECT to close: its read loop and frame dispatch, the
/// acknowledgement flows, keep-alive, the output buffer and its flush loop, and the teardown. It dies with its
/// connection; what outlives it (session state, subscriptions, queued messages) belongs to the
/// <see cref="MqttConnectionSupervisor"/> that opened it, which it tells exactly once that it ended.
/// </summary>
internal sealed partial class MqttProtocolConnection
{
    /// <summary>MQTT 3.1.1 cannot announce a Receive Maximum; Mosquitto's (and libmosquitto's) in-flight limit is 20.</summary>
    private const int DefaultInFlightV311 = 20;

    private readonly MqttConnectionSupervisor _owner;
    private readonly MqttFramedStream _stream;
    private readonly CancellationTokenSource _cancellation = new();

    // Cancelled with _cancellation, or once our DISCONNECT is out: delivering a received message stops there, reading
    // goes on (to see the broker's close).
    private readonly CancellationTokenSource _delivery;
    private int _terminated;
    private volatile bool _closing;
    private Task _readLoop = Task.CompletedTask;
    private Task _flushLoop = Task.CompletedTask;
    private Task _keepAliveLoop = Task.CompletedTask;

    private MqttProtocolConnection(MqttConnectionSupervisor owner, MqttFramedStream stream, MqttEndpoint endpoint, MqttProtocolVersion version, EndpointTags tags)
    {
        _owner = owner;
        _stream = stream;
        _delivery = CancellationTokenSource.CreateLinkedTokenSource(_cancellation.Token);
        Endpoint = endpoint;
        Tags = tags;
        Version = version;
        Logger = owner.Logger;
    }

    public MqttEndpoint Endpoint { get; }

    /// <summary>server.address and server.port for this connection's measurements.</summary>
    public EndpointTags Tags { get; }

    public MqttProtocolVersion Version { get; }

    public ILogger Logger { get; }

    public MqttFramedStream Stream => _stream;

    public MqttOutputBuffer Output => _stream.Output;

    public MqttTlsInfo? TlsInfo => (_stream.Security as Tls.TlsSecurity)?.Info;

    public TimeSpan KeepAlive { get; private set; }

    public uint BrokerMaximumPacketSize { get; private set; } = 268_435_460;

    public MqttQualityOfService MaximumQoS { get; private set; } = MqttQualityOfService.ExactlyOnce;

    public bool RetainAvailable { get; private set; } = true;

    public SendQuota Quota { get; private set; } = new(ushort.MaxValue);

    public InboundTopicAliases InboundAliases { get; private set; } = new(0);

    // Topic strings of recent PUBLISH packets, so a subscriber on a few topics does not allocate one per message.
    private readonly MqttTopicCache _topics = new();

    public OutboundTopicAliases OutboundAliases { get; private set; } = new(0);

    /// <summary>The Server Reference of the broker's DISCONNECT (Use another server, Server moved), if it sent one.</summary>
    public string? ServerReference { get; private set; }

    /// <summary>Completes when the connection is closed and its loops have ended.</summary>
    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? TerminationReason { get; private set; }

    public bool IsAlive => Volatile.Read(ref _terminated) == 0;

    /// <summary>Adopts what CONNACK negotiated and starts the loops: from here frames flow both ways.</summary>
    public void Start(MqttConnAckPacket connAck, TimeSpan keepAlive, int alreadyInFlight)
    {
        var o = _owner.Options;
        KeepAlive = keepAlive;
        BrokerMaximumPacketSize = connAck.MaximumPacketSize ?? 268_435_460;
        MaximumQoS = connAck.MaximumQoS ?? MqttQualityOfService.ExactlyOnce;
        RetainAvailable = connAck.RetainAvailable ?? true;
        // The broker's Receive Maximum is a ceiling [MQTT-3.3.4-7]; the option may only lower it. Where the broker
        // announced none (MQTT 3.1.1), the option is the limit, and 20 without it.
        int inFlight = connAck.ReceiveMaximum is { } announced
            ? Math.Min(announced, o.MaximumOutgoingInFlight ?? announced)
            : o.MaximumOutgoingInFlight ?? (Version == MqttProtocolVersion.V311 ? DefaultInFlightV311 : ushort.MaxValue);
        Quota = new SendQuota(inFlight);
        Quota.ForceAcquire(alreadyInFlight);
        InboundAliases = new InboundTopicAliases(o.TopicAliasMaximum);
        OutboundAliases = new OutboundTopicAliases(o.UseOutgoingTopicAliases ? connAck.TopicAliasMaximum ?? 0 : (ushort)0);
        _flushLoop = RunFlushLoopAsync();
        _readLoop = RunReadLoopAsync();
        _keepAliveLoop = RunKeepAliveLoopAsync();
    }

    /// <summary>
    /// The application is leaving: from now on the broker closing the socket (as it does after DISCONNECT) is the
    /// expected end, not a lost connection, however the race between its close and ours turns out.
    /// </summary>
    public void MarkClosing() => _closing = true;

    /// <summary>
    /// Sends DISCONNECT as the last packet and waits until it is written; the connection then ends without being
    /// reported as lost. Best effort: a connection that dies meanwhile just ends.
    /// </summary>
    public async Task DisconnectAsync(MqttDisconnectPacket disconnect, CancellationToken cancellationToken)
    {
        MarkClosing();
        try
        {
            await WriteDisconnectAsync(disconnect, new MqttConnectionLostException("The application is disconnecting."), cancellationToken).ConfigureAwait(false);
            await _flushLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
            await _delivery.CancelAsync().ConfigureAwait(false);

            // Written is not read: a broker that has not yet read the acknowledgements ahead of the DISCONNECT when we
            // close drops them with the socket (Mosquitto does when the next connection under the same client id comes
            // first), and sends those messages again. It closes once it has read the DISCONNECT, so its close says it
            // read everything before. Real time, as for any network wait: a test's fake clock must not stall leaving.
            if (_owner.Options.DisconnectTimeout > TimeSpan.Zero)
            {
                try
                {
                    await _readLoop.WaitAsync(_owner.Options.DisconnectTimeout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // The broker keeps the connection open after DISCONNECT: we close it.
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // The DISCONNECT is out; the caller will not wait for the close: we close it, and leaving ends as
                    // it would have.
                }
            }
        }
        catch (Exception ex) when (ex is MqttException or IOException)
        {
            // The connection died while we were leaving; closing is all that is left to do.
        }
        finally
        {
            Terminate(new MqttConnectionLostException("The application disconnected."), unexpected: false);
        }

        await Closed.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the connection exactly once: stops its loops, fails every waiting writer and quota waiter with the
    /// reason, tells the supervisor (which decides what becomes of pending operations), then closes the stream off
    /// the caller's path. An end the application asked for, or one that follows DISCONNECT, is never reported as lost.
    /// </summary>
    public void Terminate(Exception reason, bool unexpected)
    {
        if (Interlocked.Exchange(ref _terminated, 1) != 0)
        {
            return;
        }

        TerminationReason = reason;
        unexpected &= !_closing;
        var lost = reason as MqttConnectionLostException ?? new MqttConnectionLostException($"The connection was lost: {reason.Message}", reason);
        if (unexpected)
        {
            Log.ConnectionLost(Logger, Endpoint.Host, Endpoint.Port, reason.Message, reason is MqttConnectionLostException { InnerException: null } ? null : reason);
        }

        // The supervisor decides first whether the client reconnects: writers woken by the failure below must
        // already see that decision, or a publish that was merely not sent yet would fail instead of waiting.
        _owner.OnConnectionEnded(this, reason, lost, unexpected);
        _stream.Output.Fail(lost);
        Quota.Fail(lost);

        // Nobody awaits this task, so nothing may escape it: a fault here would surface as an unobserved task
        // exception on the finalizer thread, and DisconnectAsync / DisposeAsync would wait for Closed forever.
        _ = Task.Run(async () =>
        {
            try
            {
                await _cancellation.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(_readLoop, _flushLoop, _keepAliveLoop).ConfigureAwait(false);
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Closing is best effort; the reason the connection ended was already reported.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.CloseFailed(Logger, ex);
            }
            finally
            {
                _delivery.Dispose();
                _cancellation.Dispose();
                Closed.TrySetResult();
            }
        });
    }

    /// <summary>
    /// The broker broke the protocol: under MQTT 5 tell it why with DISCONNECT and the reason code the
    /// specification requires [MQTT-4.13.1-1], then close either way.
    /// </summary>
    public async Task ProtocolViolationAsync(MqttProtocolException violation)
    {
        Log.ProtocolViolation(Logger, violation.Message);
        if (MqttMetrics.ProtocolErrors.Enabled)
        {
            MqttMetrics.RecordProtocolError(violation, Tags);
        }

        if (Version == MqttProtocolVersion.V500 && IsAlive)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), _owner.Options.TimeProvider);
                // Publishers racing this get the violation as the reason, not a write into a closed buffer.
                await WriteDisconnectAsync(new MqttDisconnectPacket { ReasonCode = violation.ReasonCode, ReasonString = violation.Message },
                    new MqttConnectionLostException($"The connection is closing: {violation.Message}", violation), timeout.Token).ConfigureAwait(false);
                await _flushLoop.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttException or IOException or OperationCanceledException)
            {
                // Best effort; the connection is closed below regardless.
            }
        }

        Terminate(violation, unexpected: true);
    }

    private async Task RunFlushLoopAsync()
    {
        await Task.Yield();
        try
        {
            await _stream.Output.RunFlushLoopAsync(_cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            // Terminated elsewhere.
        }
        catch (Exception ex)
        {
            Terminate(new MqttConnectionLostException($"Writing to the broker failed: {ex.Message}", ex), unexpected: true);
        }
    }
}
