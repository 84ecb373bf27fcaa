using SecureMqtt.Packets;

namespace SecureMqtt;

public sealed partial class MqttClient
{
    /// <summary>
    /// Sends DISCONNECT with <paramref name="reasonCode"/> and closes the connection. The ConnectionLost event is
    /// not raised. <see cref="MqttReasonCode.DisconnectWithWillMessage"/> asks an MQTT 5 broker to publish the will.
    /// </summary>
    /// <param name="reasonCode">The MQTT 5 reason code (ignored under MQTT 3.1.1).</param>
    /// <param name="userProperties">MQTT 5 user properties of the DISCONNECT packet, in order.</param>
    /// <param name="cancellationToken">Stops waiting for buffered packets to be sent.</param>
    /// <returns>A task that completes when the connection is closed.</returns>
    /// <exception cref="ArgumentException">User properties are given on an MQTT 3.1.1 connection (nothing is sent).</exception>
    public async Task DisconnectAsync(MqttReasonCode reasonCode = MqttReasonCode.NormalDisconnection, IReadOnlyList<MqttUserProperty>? userProperties = null,
        CancellationToken cancellationToken = default)
    {
        var connection = _current;
        if (connection is not { IsAlive: true })
        {
            return;
        }

        RequireV5ForUserProperties(connection, userProperties, nameof(userProperties));

        try
        {
            await WriteDisconnectAsync(connection, new MqttDisconnectPacket { ReasonCode = reasonCode, UserProperties = userProperties ?? [] },
                new MqttConnectionLostException("The application is disconnecting."), cancellationToken).ConfigureAwait(false);
            await connection.FlushLoop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MqttException or IOException)
        {
            // The connection died while we were leaving; closing is all that is left to do.
        }
        finally
        {
            Log.Disconnected(_logger, Options.Host, Options.EffectivePort, reasonCode);
            Terminate(connection, new MqttConnectionLostException("The application disconnected."), raiseEvent: false);
        }

        await connection.Closed.Task.ConfigureAwait(false);
    }

    /// <summary>Drops the connection without DISCONNECT, as a crash or a cut cable would (tests use it for the will).</summary>
    /// <returns>A task that completes when the socket is closed.</returns>
    internal Task AbortAsync()
    {
        if (_current is not { } connection)
        {
            return Task.CompletedTask;
        }

        Terminate(connection, new MqttConnectionLostException("The connection was aborted."), raiseEvent: false);
        return connection.Closed.Task;
    }

    /// <summary>
    /// The broker broke the protocol: under MQTT 5 tell it why with DISCONNECT and the reason code the
    /// specification requires [MQTT-4.13.1-1], then close either way.
    /// </summary>
    private async Task ProtocolViolationAsync(ClientConnection connection, MqttProtocolException violation)
    {
        Log.ProtocolViolation(_logger, violation.Message);
        if (connection.Version == MqttProtocolVersion.V500 && connection.IsAlive)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), Options.TimeProvider);
                // Publishers racing this get the violation as the reason, not a write into a closed buffer.
                await WriteDisconnectAsync(connection, new MqttDisconnectPacket { ReasonCode = violation.ReasonCode, ReasonString = violation.Message },
                    new MqttConnectionLostException($"The connection is closing: {violation.Message}", violation), timeout.Token).ConfigureAwait(false);
                await connection.FlushLoop.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttException or IOException or OperationCanceledException)
            {
                // Best effort; the connection is closed below regardless.
            }
        }

        Terminate(connection, violation, raiseEvent: true);
    }

    /// <summary>
    /// The broker broke the protocol before or in CONNACK: under MQTT 5 tell it why, as on an established connection
    /// (a client may send packets before CONNACK arrives). Best effort; the caller closes the connection.
    /// </summary>
    private async Task SendDisconnectBeforeConnAckAsync(Transport.MqttConnection connection, MqttProtocolException violation)
    {
        Log.ProtocolViolation(_logger, violation.Message);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        MqttPacketWriter.Write(buffer, new MqttDisconnectPacket { ReasonCode = violation.ReasonCode, ReasonString = violation.Message }, MqttProtocolVersion.V500);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), Options.TimeProvider);
            PacketTrace.SentDisconnect(_logger, new MqttDisconnectPacket { ReasonCode = violation.ReasonCode }, MqttProtocolVersion.V500);
            await connection.WriteDirectAsync(buffer.WrittenMemory, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is going away either way.
        }
    }

    /// <summary>DISCONNECT as the last packet: writers after it fail with <paramref name="closing"/>.</summary>
    private static ValueTask WriteDisconnectAsync(ClientConnection connection, MqttDisconnectPacket disconnect, MqttException closing, CancellationToken cancellationToken)
    {
        PacketTrace.SentDisconnect(connection.Logger, disconnect, connection.Version);
        return connection.Connection.Output.WriteLastAsync((disconnect, connection.Version),
            static (writer, state) => MqttPacketWriter.Write(writer, state.disconnect, state.Version), closing, cancellationToken);
    }

    private async Task RunFlushLoopAsync(ClientConnection connection)
    {
        await Task.Yield();
        try
        {
            await connection.Connection.Output.RunFlushLoopAsync(connection.Cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (connection.Cancellation.IsCancellationRequested)
        {
            // Terminated elsewhere.
        }
        catch (Exception ex)
        {
            Terminate(connection, new MqttConnectionLostException($"Writing to the broker failed: {ex.Message}", ex), raiseEvent: true);
        }
    }

    /// <summary>
    /// Ends a connection exactly once: stops its loops, fails every pending operation and waiting publisher with
    /// the reason, closes the stream, and (unless the application asked for it) raises ConnectionLost off the
    /// read loop.
    /// </summary>
    private void Terminate(ClientConnection connection, Exception reason, bool raiseEvent)
    {
        if (!connection.TryTerminate(reason))
        {
            return;
        }

        var lost = reason as MqttConnectionLostException ?? new MqttConnectionLostException($"The connection was lost: {reason.Message}", reason);
        connection.Connection.Output.Fail(lost);
        connection.Quota.Fail(lost);
        _session.FailPending(lost);
        if (raiseEvent)
        {
            Log.ConnectionLost(_logger, Options.Host, Options.EffectivePort, reason.Message, reason is MqttConnectionLostException { InnerException: null } ? null : reason);
        }

        // Nobody awaits this task, so nothing may escape it: a fault here would surface as an unobserved task
        // exception on the finalizer thread, and DisconnectAsync / DisposeAsync would wait for Closed forever.
        _ = Task.Run(async () =>
        {
            try
            {
                await connection.Cancellation.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(connection.ReadLoop, connection.FlushLoop, connection.KeepAliveLoop).ConfigureAwait(false);
                await connection.Connection.DisposeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Closing is best effort; the reason the connection ended was already reported.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.CloseFailed(_logger, ex);
            }
            finally
            {
                connection.Cancellation.Dispose();
                connection.Closed.TrySetResult();
            }

            if (raiseEvent)
            {
                RaiseConnectionLost(reason);
            }
        });
    }

    private void RaiseConnectionLost(Exception reason)
    {
        var handler = ConnectionLost;
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, new MqttConnectionLostEventArgs(reason, (reason as MqttConnectionLostException)?.DisconnectReasonCode));
        }
#pragma warning disable CA1031 // An application's event handler must not take the client down with it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ConnectionLostHandlerFailed(_logger, ex);
        }
    }
}
