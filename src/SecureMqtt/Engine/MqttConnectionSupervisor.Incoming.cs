using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Engine;

internal sealed partial class MqttConnectionSupervisor
{
    // Set once by the dispatch loop for everything it runs: code in a handler sees the supervisor whose loop runs it.
    private static readonly AsyncLocal<MqttConnectionSupervisor?> s_dispatching = new();

    // How long DisconnectAsync waits for a handler that is already running, so that its message is acknowledged
    // before DISCONNECT; a handler busy for longer is the application's own long job, and its message comes again.
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(2);

    private readonly Channel<IncomingDelivery> _incoming;
    private readonly Channel<UnhandledMessage> _unhandled;
    private readonly IncomingByteBudget _incomingBytes;
    private readonly Task _dispatchLoop;

    // Messages the dispatch loop has taken and finished (only it writes them), the last it may still acknowledge
    // (DisconnectAsync lowers it; ConnectAsync lifts it), and a DisconnectAsync waiting for _dispatchDone to reach
    // _settleTarget.
    private long _dispatchBegun;
    private long _dispatchDone;
    private long _acknowledgeUpTo = long.MaxValue;
    private long _settleTarget;
    private TaskCompletionSource? _settled;

    // ReadMessagesAsync as the handler of the messages no handler takes: with a reader there, the dispatch loop waits
    // for it to be done with a message whose acknowledgement is owed, as it waits for a handler. _readers: readers
    // enumerating now. _forwardOwed: the dispatch number of the message being dispatched when it owes an
    // acknowledgement (0 otherwise), _forwardWaits: it went to the readers and the loop waits (both the loop's own).
    // _owedTakenFreely: the reader took it before any StopAcknowledging or DisconnectAsync.
    private readonly ConsumedSignal _consumed = new();
    private int _readers;
    private long _forwardOwed;
    private bool _forwardWaits;
    private bool _owedTakenFreely;

    public Func<MqttMessage, CancellationToken, ValueTask>? MessageHandler { get; set; }

    public long QueuedIncomingBytes => _incomingBytes.Used;

    /// <summary>Received messages not yet taken by a handler or by ReadMessagesAsync.</summary>
    public int IncomingCount => _incoming.Reader.Count + _unhandled.Reader.Count;

    /// <summary>
    /// The messages no handler took. A reader is done with a message when it asks for the next one or stops reading
    /// (breaks out, fails, or its token fires): that is when the message's PUBACK or PUBREC goes out
    /// (<see cref="MqttClientOptions.AcknowledgeAfterHandlers"/>), as when a handler returns.
    /// </summary>
    public async IAsyncEnumerable<MqttMessage> ReadMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = _unhandled.Reader;
        Interlocked.Increment(ref _readers);
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    // Handed over: the application holds it now, so it no longer counts against the byte bound.
                    _incomingBytes.Release(IncomingByteBudget.SizeOf(item.Message));
                    // Only for the message the loop waits on: another reader may still be taking an older one.
                    if (item.Owed != 0 && _consumed.Expected == item.Owed)
                    {
                        Volatile.Write(ref _owedTakenFreely, Volatile.Read(ref _acknowledgeUpTo) == long.MaxValue);
                    }

                    try
                    {
                        yield return item.Message;
                    }
                    finally
                    {
                        // Asked for the next one, or stopped reading: done with this one either way.
                        _consumed.TryComplete(item.Owed);
                    }
                }
            }
        }
        finally
        {
            // The last reader left: a message the loop still waits for, not taken, is acknowledged as it was before
            // there were readers to wait for (it stays queued for the next reader), or the loop would stall.
            if (Interlocked.Decrement(ref _readers) == 0)
            {
                _consumed.TryAbandon();
            }
        }
    }

    /// <summary>Whether a QoS 1 message's PUBACK and a QoS 2 message's PUBREC wait for its handlers (<see cref="MqttClientOptions.AcknowledgeAfterHandlers"/>).</summary>
    public bool AcknowledgesAfterHandlers => Options.AcknowledgeAfterHandlers && Options.IncomingMessageFullMode == BoundedChannelFullMode.Wait;

    /// <summary>
    /// Queues a message for the application within both bounds, count and bytes. In the Wait mode a full queue
    /// stops the read loop here (backpressure); in the drop modes a message over the byte bound is dropped. With
    /// <paramref name="acknowledgeOn"/>, the dispatch loop acknowledges the message once its handlers have run: a QoS 1
    /// one with PUBACK there, a QoS 2 one by recording its id and sending PUBREC on the connection current then.
    /// </summary>
    public async ValueTask EnqueueIncomingAsync(MqttMessage message, CancellationToken cancellationToken,
        MqttProtocolConnection? acknowledgeOn = null, ushort packetId = 0)
    {
        // Before waiting for room: the request it answers may be what frees the room.
        var answered = TryAnswerRequest(message);
        var size = IncomingByteBudget.SizeOf(message);
        if (Options.IncomingMessageFullMode == BoundedChannelFullMode.Wait)
        {
            await _incomingBytes.AcquireAsync(size, cancellationToken).ConfigureAwait(false);
        }
        else if (!_incomingBytes.TryAcquire(size))
        {
            Log.MessageDroppedForBytes(Logger, message.Topic, size, Options.IncomingMessageBufferSize, Options.IncomingMessageFullMode.ToString());
            if (MqttMetrics.DroppedMessages.Enabled)
            {
                MqttMetrics.RecordDropped(offline: false, "byte_limit");
            }

            IncomingMessagePool.ReleaseByClient(message);
            return;
        }

        try
        {
            var delivery = new IncomingDelivery(message, acknowledgeOn, packetId, message.QualityOfService == MqttQualityOfService.ExactlyOnce, answered);
            await _incoming.Writer.WriteAsync(delivery, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _incomingBytes.Release(size);
            IncomingMessagePool.ReleaseByClient(message);
            throw;
        }
    }

    /// <summary>
    /// Hands received messages to the application off the read loop: every matching subscription's handler
    /// (each distinct handler once), else <see cref="MessageHandler"/>, else the <see cref="ReadMessagesAsync"/>
    /// channel. A slow handler fills the incoming channel and then pauses reading (backpressure).
    /// </summary>
    private async Task RunDispatchLoopAsync()
    {
        var token = _disposed.Token;
        var reader = _incoming.Reader;

        // This loop was started by the constructor and inherited whatever span was current there: consumer spans
        // must have the producer's context as parent, or none, never an unrelated span of the application's.
        Activity.Current = null;
        s_dispatching.Value = this;
        var invoked = new List<Func<MqttMessage, CancellationToken, ValueTask>>();
        try
        {
            // No token for the wait: disposal completes the channel, which ends it, and a wait that cannot be
            // cancelled reuses the channel's one waiter instead of allocating one each time the queue runs dry.
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (reader.TryRead(out var delivery))
                {
                    var message = delivery.Message;
                    var number = _dispatchBegun + 1;
                    Volatile.Write(ref _dispatchBegun, number);
                    var forwarded = false;
                    try
                    {
                        _forwardOwed = delivery.AcknowledgeOn is null ? 0 : number;
                        forwarded = !delivery.Answered && await DispatchAsync(message, invoked, token).ConfigureAwait(false);

                        // Handled (a failing handler was logged and counts as handled: the broker would not send it
                        // again on this connection anyway), or done with by a ReadMessagesAsync reader, or queued for
                        // ReadMessagesAsync with no reader there: the PUBACK or PUBREC is due now. The loop takes
                        // messages in arrival order, so all keep it [MQTT-4.6.0-2, 4.6.0-3].
                        var acknowledge = number <= Volatile.Read(ref _acknowledgeUpTo);
                        if (forwarded && _forwardWaits)
                        {
                            _forwardWaits = false;
                            var taken = await _consumed.WaitAsync().ConfigureAwait(false);
                            var limit = Volatile.Read(ref _acknowledgeUpTo);
                            acknowledge = number <= limit && (taken ? Volatile.Read(ref _owedTakenFreely) : limit == long.MaxValue);
                        }

                        if (delivery.AcknowledgeOn is { } connection && acknowledge)
                        {
                            await (delivery.ExactlyOnce
                                ? AcknowledgeExactlyOnceHandledAsync(delivery.PacketId)
                                : connection.AcknowledgeHandledAsync(MqttPacketType.PubAck, delivery.PacketId)).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        // A full fence, as SettleAcknowledgementsAsync's on its side: each then sees the other's write.
                        Interlocked.Exchange(ref _dispatchDone, number);
                        if (Volatile.Read(ref _settled) is { } settled && number >= Volatile.Read(ref _settleTarget))
                        {
                            settled.TrySetResult();
                        }

                        // A message forwarded to ReadMessagesAsync is still queued: it is released when read there.
                        if (!forwarded)
                        {
                            _incomingBytes.Release(IncomingByteBudget.SizeOf(message));

                            // Pooled: the handlers have finished with it (PoolIncomingMessages says they keep nothing).
                            IncomingMessagePool.ReleaseByClient(message);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            // Disposed.
        }
    }

    /// <summary>
    /// The application has what it wanted and will leave (<see cref="MqttClient.StopAcknowledging"/>): messages the
    /// handlers take from now on are not acknowledged, nor, with <paramref name="includingCurrent"/>, the one being
    /// handled now; with a kept session the broker sends them again. Lifted by the application's next ConnectAsync, not
    /// by a reconnect. Only the dispatch loop acknowledges after handlers: in the modes that acknowledge on arrival
    /// there is nothing left to hold back, and saying it worked would lose messages.
    /// </summary>
    public void StopAcknowledging(bool includingCurrent)
    {
        if (!AcknowledgesAfterHandlers)
        {
            throw new InvalidOperationException(
                "Received messages are acknowledged on arrival (AcknowledgeAfterHandlers is off, or IncomingMessageFullMode is a drop mode), " +
                "so there is nothing to stop: set AcknowledgeAfterHandlers and IncomingMessageFullMode Wait to hold acknowledgements back.");
        }

        var begun = Volatile.Read(ref _dispatchBegun);
        LowerAcknowledgementLimit(includingCurrent && Volatile.Read(ref _dispatchDone) < begun ? begun - 1 : begun);
    }

    // Only ever lowered until ConnectAsync lifts it: a DisconnectAsync after StopAcknowledging must not acknowledge
    // what StopAcknowledging held back.
    private void LowerAcknowledgementLimit(long limit)
    {
        var current = Volatile.Read(ref _acknowledgeUpTo);
        while (limit < current)
        {
            var seen = Interlocked.CompareExchange(ref _acknowledgeUpTo, limit, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>
    /// The application leaves (DisconnectAsync): a message whose handlers are already running is acknowledged before
    /// the DISCONNECT (a handler that stops the application when it has what it wanted, as <c>smqtt sub -C</c> does,
    /// returns a moment after), and messages taken from the queue after this are not acknowledged at all: they are
    /// handled after the application decided to go, and a broker that keeps the session sends them again. Called
    /// from a handler, or with nothing running, it does not wait.
    /// </summary>
    private async Task SettleAcknowledgementsAsync(CancellationToken cancellationToken)
    {
        var target = Volatile.Read(ref _dispatchBegun);
        LowerAcknowledgementLimit(target);

        // Nor for a ReadMessagesAsync reader: it may be the caller, which cannot be told from here.
        if (!AcknowledgesAfterHandlers || ReferenceEquals(s_dispatching.Value, this) || Volatile.Read(ref _dispatchDone) >= target
            || _consumed.Expected == target)
        {
            return;
        }

        var settled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _settleTarget, target);
        Interlocked.Exchange(ref _settled, settled);
        try
        {
            // Finished between the check above and the waiter being in place: the loop may not have seen the waiter.
            if (Volatile.Read(ref _dispatchDone) < target)
            {
                await settled.Task.WaitAsync(SettleTimeout, Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            // Still busy: its message goes unacknowledged, as one begun after this.
        }
        finally
        {
            Volatile.Write(ref _settled, null);
        }
    }

    /// <summary>
    /// A QoS 2 message received with its PUBREC left to the dispatch loop has been handled: its id is recorded, then
    /// PUBREC goes out on the connection current now, which is where a resend of it (after a reconnect that resumed
    /// the session) was left unanswered. Without a live connection there is nothing to send: the broker sends the
    /// PUBLISH again on the next one, and the recorded id answers it. Never throws.
    /// </summary>
    private async ValueTask AcknowledgeExactlyOnceHandledAsync(ushort packetId)
    {
        bool due;
        try
        {
            due = await Session.OnIncomingHandledAsync(packetId, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Logged; the message was handled, so answering the broker loses nothing.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // Answered anyway: holding the PUBREC back would stall the id at the broker with the message already
            // handled; the price is that a crash before PUBREL could bring it once more.
            Log.IncomingRecordFailed(Logger, packetId, ex);
            due = true;
        }

        if (due && _current is { IsAlive: true } current)
        {
            await current.AcknowledgeHandledAsync(MqttPacketType.PubRec, packetId).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the handlers for one message; true when no handler took it and it went to the unhandled queue.</summary>
    private ValueTask<bool> DispatchAsync(MqttMessage message, List<Func<MqttMessage, CancellationToken, ValueTask>> invoked, CancellationToken token) =>
        MqttMetrics.ActivitySource.HasListeners() ? DispatchTracedAsync(message, invoked, token) : DispatchCoreAsync(message, invoked, token);

    /// <summary>As <see cref="DispatchCoreAsync"/>, inside a consumer span: the handlers run with it as the current activity.</summary>
    private async ValueTask<bool> DispatchTracedAsync(MqttMessage message, List<Func<MqttMessage, CancellationToken, ValueTask>> invoked, CancellationToken token)
    {
        using var activity = MqttTracing.StartProcess(message, LastConnection?.Endpoint);

        // Read before dispatching: a pooled message forwarded to ReadMessagesAsync may be returned and refilled by then.
        var topic = message.Topic;
        try
        {
            var forwarded = await DispatchCoreAsync(message, invoked, token).ConfigureAwait(false);
            if (forwarded)
            {
                MqttTracing.MarkReceived(activity, topic);
            }

            return forwarded;
        }
        catch (Exception ex) when (MqttTracing.Fail(activity, ex))
        {
            throw;
        }
    }

    private async ValueTask<bool> DispatchCoreAsync(MqttMessage message, List<Func<MqttMessage, CancellationToken, ValueTask>> invoked, CancellationToken token)
    {
        invoked.Clear();
        foreach (var h in Volatile.Read(ref _handlers))
        {
            if (!invoked.Contains(h.Handler) && Packets.MqttTopic.Matches(h.Filter, message.Topic))
            {
                invoked.Add(h.Handler);
                await InvokeAsync(h.Handler, message, token).ConfigureAwait(false);
            }
        }

        if (invoked.Count > 0)
        {
            return false;
        }

        if (MessageHandler is { } global)
        {
            await InvokeAsync(global, message, token).ConfigureAwait(false);
            return false;
        }

        IncomingMessagePool.HandToApplication(message);

        // Armed before it can be read; not waited for without a reader (acknowledged as queued, as before readers).
        var owed = _forwardOwed;
        if (owed != 0)
        {
            _consumed.Arm(owed);
            if (Volatile.Read(ref _readers) == 0)
            {
                _consumed.Disarm(owed);
                owed = 0;
            }
        }

        try
        {
            await _unhandled.Writer.WriteAsync(new UnhandledMessage(message, owed), token).ConfigureAwait(false);
        }
        catch
        {
            _consumed.Disarm(owed);
            throw;
        }

        _forwardWaits = owed != 0;
        return true;
    }

    private async ValueTask InvokeAsync(Func<MqttMessage, CancellationToken, ValueTask> handler, MqttMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await handler(message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A failing application handler must not stop delivery to the others.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (Logger.IsEnabled(LogLevel.Error))
            {
                Log.HandlerFailed(Logger, message.Topic, ex);
            }

            // The failure is the application's, but the consumer span it ran in should say the processing failed.
            if (Activity.Current is { Kind: ActivityKind.Consumer } current && current.Source == MqttMetrics.ActivitySource)
            {
                MqttTracing.Fail(current, ex);
            }
        }
    }
}

/// <summary>
/// A received message on its way to the handlers, and the connection it came on when its acknowledgement waits for
/// them (null: none owed); <see cref="ExactlyOnce"/>: the acknowledgement owed is a PUBREC; <see cref="Answered"/>: a
/// reply that completed its request on arrival (TryAnswerRequest), queued only to be acknowledged in order.
/// </summary>
/// <remarks>
/// Packet id and QoS are copied here rather than read from the message when the acknowledgement is due: a pooled
/// message forwarded to ReadMessagesAsync may have been returned and refilled with another by then.
/// </remarks>
internal readonly record struct IncomingDelivery(MqttMessage Message, MqttProtocolConnection? AcknowledgeOn, ushort PacketId, bool ExactlyOnce, bool Answered);

/// <summary>
/// A message queued for ReadMessagesAsync, with the dispatch number the dispatch loop waits on when its acknowledgement
/// is owed and waits for the reader (0: nothing waits).
/// </summary>
internal readonly record struct UnhandledMessage(MqttMessage Message, long Owed);
