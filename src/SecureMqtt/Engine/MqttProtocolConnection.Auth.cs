using SecureMqtt.Authentication;
using SecureMqtt.Packets;

namespace SecureMqtt.Engine;

/// <summary>
/// Re-authentication on an established MQTT 5 connection (section 4.12.1): the client starts it with AUTH 0x19,
/// the read loop answers the broker's AUTH 0x18 challenges, and AUTH 0x00 ends it. Only the client may start one,
/// and one at a time; any AUTH the broker sends outside it is a protocol error.
/// </summary>
internal sealed partial class MqttProtocolConnection
{
    private readonly Lock _reauthLock = new();
    private Reauthentication? _reauth;

    /// <summary>
    /// Runs one re-authentication and completes when the broker accepted it. A failure on either side ends the
    /// connection: the client sends DISCONNECT 0x87 when it rejects the broker's data; the broker sends its own
    /// DISCONNECT when it rejects the client's.
    /// </summary>
    public async Task ReauthenticateAsync(IMqttAuthenticator authenticator, CancellationToken cancellationToken)
    {
        var run = new Reauthentication(authenticator.Method, authenticator.CreateExchange());
        lock (_reauthLock)
        {
            if (_reauth is not null)
            {
                run.Dispose();
                throw new InvalidOperationException("A re-authentication is already in progress on this connection.");
            }

            _reauth = run;
        }

        // Whatever ends the connection also ends the run: the broker's DISCONNECT 0x87, a violation, a lost socket.
        _ = Closed.Task.ContinueWith(static (_, state) => ((MqttProtocolConnection)state!).FailReauthentication(null), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            var initial = await run.Exchange.GetInitialDataAsync(cancellationToken).ConfigureAwait(false);
            PacketTrace.Sent(Logger, MqttPacketType.Auth);
            await WritePacketAsync(new MqttAuthPacket { ReasonCode = MqttReasonCode.ReAuthenticate, AuthenticationMethod = run.Method, AuthenticationData = initial },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not MqttAuthenticationException)
        {
            // Nothing (or nothing usable) reached the broker: the run is over, the connection stays.
            lock (_reauthLock)
            {
                if (ReferenceEquals(_reauth, run))
                {
                    _reauth = null;
                }
            }

            run.Dispose();
            throw;
        }
        catch (MqttAuthenticationException ex)
        {
            await FailReauthenticationAsync(run, ex).ConfigureAwait(false);
            throw;
        }

        await run.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        Log.Reauthenticated(Logger, run.Method);
    }

    /// <summary>An AUTH packet from the broker on an established connection.</summary>
    private async ValueTask OnAuthAsync(MqttAuthPacket auth, CancellationToken cancellationToken)
    {
        Reauthentication? run;
        lock (_reauthLock)
        {
            run = _reauth;
        }

        if (run is null)
        {
            // Only the client starts a re-authentication [MQTT-4.12.1-1]; an AUTH outside one answers nothing.
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"The broker sent AUTH ({auth.ReasonCode}) while no re-authentication was in progress", "4.12.1");
        }

        RequireMethod(run.Method, auth.AuthenticationMethod, "AUTH");
        try
        {
            switch (auth.ReasonCode)
            {
                case MqttReasonCode.ContinueAuthentication:
                    var step = await run.Exchange.ContinueAsync(auth.AuthenticationData, cancellationToken).ConfigureAwait(false);
                    PacketTrace.Sent(Logger, MqttPacketType.Auth);
                    await WritePacketAsync(new MqttAuthPacket { ReasonCode = MqttReasonCode.ContinueAuthentication, AuthenticationMethod = run.Method, AuthenticationData = step.Data },
                        cancellationToken).ConfigureAwait(false);
                    break;
                case MqttReasonCode.Success:
                    await run.Exchange.CompleteAsync(auth.AuthenticationData, cancellationToken).ConfigureAwait(false);
                    lock (_reauthLock)
                    {
                        _reauth = null;
                    }

                    run.Dispose();
                    run.Done.TrySetResult();
                    break;
                default:
                    // 0x19 Re-authenticate is the client's to send [MQTT-4.12.1-1]; nothing else is an AUTH reason code.
                    throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"The broker sent AUTH with reason code {auth.ReasonCode}, which only a client may send", "4.12.1");
            }
        }
        catch (MqttAuthenticationException ex)
        {
            await FailReauthenticationAsync(run, ex).ConfigureAwait(false);
        }
    }

    /// <summary>The client rejects the broker's data: the connection is not authenticated any more, so it ends with DISCONNECT 0x87.</summary>
    private async Task FailReauthenticationAsync(Reauthentication run, MqttAuthenticationException failure)
    {
        Log.AuthenticationFailed(Logger, run.Method, failure.Message);
        run.Done.TrySetException(failure);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), _owner.Options.TimeProvider);
            await WriteDisconnectAsync(new MqttDisconnectPacket { ReasonCode = MqttReasonCode.NotAuthorized, ReasonString = "re-authentication failed" },
                new MqttConnectionLostException($"The connection is closing: {failure.Message}", failure), timeout.Token).ConfigureAwait(false);
            await _flushLoop.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MqttException or IOException or OperationCanceledException)
        {
            // Best effort; the connection is closed below regardless.
        }

        Terminate(failure, unexpected: true);
    }

    /// <summary>The connection ended: a run still waiting fails with what the broker said, if it said anything.</summary>
    private void FailReauthentication(Exception? failure)
    {
        Reauthentication? run;
        lock (_reauthLock)
        {
            run = _reauth;
            _reauth = null;
        }

        if (run is null)
        {
            return;
        }

        var code = (TerminationReason as MqttConnectionLostException)?.DisconnectReasonCode;
        run.Done.TrySetException(failure ?? TerminationReason as MqttAuthenticationException ?? new MqttAuthenticationException(
            code is { } c
                ? $"The broker ended the connection during re-authentication: {c}."
                : $"The connection ended during re-authentication: {TerminationReason?.Message}",
            run.Method, code, TerminationReason));
        run.Dispose();
    }

    private sealed class Reauthentication(string method, IMqttAuthenticationExchange exchange) : IDisposable
    {
        private int _disposed;

        public string Method { get; } = method;

        public IMqttAuthenticationExchange Exchange { get; } = exchange;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Exchange.Dispose();
            }
        }
    }
}
