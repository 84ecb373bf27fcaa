using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Engine;

internal sealed partial class MqttConnectionSupervisor
{
    private const int MaximumRedirects = 3;
    private int _endpointIndex;
    private MqttEndpoint? _redirect;
    private MqttEndpoint[] _connectedTo = [];

    /// <summary>Whether a connection to <paramref name="endpoint"/> was established before (a reconnect there may resume its TLS session).</summary>
    internal bool HasConnectedTo(MqttEndpoint endpoint) => Array.IndexOf(Volatile.Read(ref _connectedTo), endpoint) >= 0;

    /// <summary>
    /// The application's connect: each server once, in turn (or, with <see cref="MqttReconnectOptions.RetryFirstConnect"/>,
    /// with backoff until one answers); the first failure of the last server is thrown as it is.
    /// </summary>
    public async Task<MqttConnectResult> ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, _client);
        MqttClientOptionsValidator.Validate(Options);
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsConnected)
            {
                throw new InvalidOperationException("The client is already connected.");
            }

            // The application takes over from a reconnect in progress.
            await StopReconnectingAsync().ConfigureAwait(false);
            if (_last is { } old)
            {
                await old.Closed.Task.ConfigureAwait(false);
            }

            _closing = false;
            _lastFailure = null;
            Volatile.Write(ref _acknowledgeUpTo, long.MaxValue);
            await RestoreFromStoreAsync(cancellationToken).ConfigureAwait(false);
            SetState(MqttClientState.Connecting);
            var endpoints = Options.Endpoints;
            var reconnect = Options.Reconnect;
            var attempt = 0;
            var redirects = 0;
            var connected = false;
            try
            {
                while (true)
                {
                    var endpoint = Interlocked.Exchange(ref _redirect, null) ?? endpoints[_endpointIndex % endpoints.Count];
                    try
                    {
                        var result = await AttemptAsync(endpoint, cancellationToken).ConfigureAwait(false);
                        connected = true;
                        return result;
                    }
                    catch (MqttConnectionRefusedException ex) when (ex.ServerReference is { } reference && redirects < MaximumRedirects && FollowReference(reference, ex))
                    {
                        // Use another server / Server moved: at once, and a bounded number of times (two brokers
                        // pointing at each other must not keep a connect going forever).
                        redirects++;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        attempt++;
                        _lastFailure = ex;
                        Log.ReconnectFailed(Logger, attempt, endpoint.ToString(), ex.Message);
                        _endpointIndex++;
                        var roundDone = attempt % endpoints.Count == 0;
                        var retry = reconnect.Enabled && reconnect.RetryFirstConnect && IsTransient(ex)
                            && (reconnect.MaximumAttempts is null || attempt < reconnect.MaximumAttempts);
                        if (roundDone && !retry)
                        {
                            throw;
                        }

                        if (roundDone)
                        {
                            await Task.Delay(Backoff(attempt / endpoints.Count), Options.TimeProvider, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }
            finally
            {
                if (!connected)
                {
                    // Messages published while this first connect was tried have no connection coming either.
                    SetState(MqttClientState.Disconnected);
                    var reason = _lastFailure as MqttException ?? new MqttConnectionLostException("The connection could not be established.", _lastFailure);
                    Session.FailPending(reason);
                    Queue.FailAll(reason);
                }
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>
    /// The application leaves: no reconnect, DISCONNECT as the last packet, and no loss reported for this end
    /// however the broker's close races ours. Pending QoS 1/2 publishes and queued messages fail.
    /// </summary>
    public async Task DisconnectAsync(MqttReasonCode reasonCode, IReadOnlyList<MqttUserProperty>? userProperties, CancellationToken cancellationToken,
        string? reasonString = null, uint? sessionExpiry = null)
    {
        var connection = _current;
        if (connection is { IsAlive: true })
        {
            RequireV5ForUserProperties(connection, userProperties, nameof(userProperties));
        }

        _closing = true;
        connection?.MarkClosing();
        await SettleAcknowledgementsAsync(cancellationToken).ConfigureAwait(false);
        await StopReconnectingAsync().ConfigureAwait(false);
        connection = _current;
        if (connection is { IsAlive: true })
        {
            await connection.DisconnectAsync(new MqttDisconnectPacket
            {
                ReasonCode = reasonCode,
                UserProperties = userProperties ?? [],
                ReasonString = reasonString,
                SessionExpiryInterval = sessionExpiry,
            }, cancellationToken).ConfigureAwait(false);
            Log.Disconnected(Logger, connection.Endpoint.Host, connection.Endpoint.Port, reasonCode);
        }

        var reason = new MqttConnectionLostException("The application disconnected.");
        if (!IsDisposed)
        {
            SetState(MqttClientState.Disconnected);
        }

        Session.FailPending(reason);
        Queue.FailAll(reason);
    }

    /// <summary>Drops the connection without DISCONNECT, as a crash would, and does not reconnect (tests use it for the will).</summary>
    public async Task AbortAsync()
    {
        _closing = true;
        await StopReconnectingAsync().ConfigureAwait(false);
        if (_current is { } connection)
        {
            connection.Terminate(new MqttConnectionLostException("The connection was aborted."), unexpected: false);
            await connection.Closed.Task.ConfigureAwait(false);
        }

        SetState(MqttClientState.Disconnected);
    }

    /// <summary>
    /// One connection attempt to <paramref name="endpoint"/>, through to a connection the application can use: CONNACK,
    /// the session adopted, subscriptions sent again when the broker kept none, in-flight messages retransmitted,
    /// orphaned ones queued first, and the queue draining.
    /// </summary>
    private async Task<MqttConnectResult> AttemptAsync(MqttEndpoint endpoint, CancellationToken cancellationToken)
    {
        var o = Options;
        var clientId = _assignedClientId ?? o.ClientId;

        // A reconnect resumes the session this client made, where the broker can still have it: Clean Start only
        // ever applies to the first connection (MQTT 5 with a session expiry; 3.1.1 with a persistent session).
        var resumable = o.ProtocolVersion == MqttProtocolVersion.V500 ? o.SessionExpiry > TimeSpan.Zero : !o.CleanStart;
        var cleanStart = _everConnected && resumable ? false : o.CleanStart;
        var (connection, connAck) = await OpenAsync(endpoint, clientId, cleanStart, cancellationToken).ConfigureAwait(false);
        var started = false;
        try
        {
            var result = BuildResult(connAck, clientId);
            var sessionStart = await Session.StartAsync(result.ClientId, connAck.SessionPresent, cancellationToken).ConfigureAwait(false);
            connection.Start(connAck, result.KeepAlive, sessionStart.Retransmit.Count);
            started = true;
            lock (_stateLock)
            {
                _last = connection;
            }

            Log.Connected(Logger, endpoint.Host, endpoint.Port, result.ClientId, connAck.SessionPresent, (int)result.KeepAlive.TotalSeconds);
            var resubscribed = connAck.SessionPresent || !o.Reconnect.Resubscribe ? 0 : await ResubscribeAsync(connection, cancellationToken).ConfigureAwait(false);
            if (sessionStart.Retransmit.Count > 0)
            {
                Log.Retransmitting(Logger, sessionStart.Retransmit.Count);
                foreach (var flight in sessionStart.Retransmit)
                {
                    await connection.RetransmitAsync(flight, cancellationToken).ConfigureAwait(false);
                }
            }

            if (sessionStart.Resend.Count > 0)
            {
                Queue.PrependRange([.. sessionStart.Resend.Select(r => new QueuedPublish(r.Message,
                    r.Waiter ?? new PublishWaiter(), OfflineQueue.SizeOf(r.Message))
                    { StoreSequence = r.Sequence })], persist: false);
            }

            var isReconnect = _everConnected;
            lock (_stateLock)
            {
                if (!connection.IsAlive)
                {
                    throw connection.TerminationReason as MqttException ?? new MqttConnectionLostException("The connection was lost while the session was restored.", connection.TerminationReason);
                }

                _connectResult = result;
                _assignedClientId = connAck.AssignedClientIdentifier ?? _assignedClientId;
                _everConnected = true;
                _current = connection;
                _lastFailure = null;
                if (!HasConnectedTo(endpoint))
                {
                    _connectedTo = [.. _connectedTo, endpoint];
                }
            }

            SetState(MqttClientState.Connected);
            if (MqttMetrics.Connections.Enabled || MqttMetrics.Reconnects.Enabled)
            {
                MqttMetrics.RecordConnection(connection.Tags, isReconnect);
            }

            if (isReconnect)
            {
                Log.Reconnected(Logger, endpoint.ToString(), connAck.SessionPresent, sessionStart.Retransmit.Count, sessionStart.Resend.Count, resubscribed, Queue.Count);
            }

            await SaveSessionFactsAsync(result).ConfigureAwait(false);
            StartDraining(connection);
            Raise(c => c.OnConnected(new MqttConnectedEventArgs(result, endpoint, isReconnect)), isLoss: false);
            return result;
        }
        catch (Exception ex)
        {
            if (started)
            {
                connection.Terminate(ex, unexpected: false);
                await connection.Closed.Task.ConfigureAwait(false);
            }
            else
            {
                await connection.AbandonAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// <see cref="MqttProtocolConnection.OpenAsync"/> inside the connect span and timed for mqtt.client.connect.duration.
    /// The span ends before the connection's loops start, so they do not run with it as their current activity.
    /// </summary>
    private async Task<(MqttProtocolConnection Connection, MqttConnAckPacket ConnAck)> OpenAsync(MqttEndpoint endpoint, string clientId, bool cleanStart,
        CancellationToken cancellationToken)
    {
        var time = Options.TimeProvider;
        var started = time.GetTimestamp();
        using var activity = MqttMetrics.ActivitySource.HasListeners() ? MqttTracing.StartConnect(endpoint, Options.ProtocolVersion, clientId) : null;
        try
        {
            var opened = await MqttProtocolConnection.OpenAsync(this, endpoint, clientId, cleanStart, cancellationToken).ConfigureAwait(false);
            if (MqttMetrics.ConnectDuration.Enabled)
            {
                MqttMetrics.RecordConnectDuration(time.GetElapsedTime(started), opened.Connection.Tags, Options.ProtocolVersion, null);
            }

            activity?.SetTag("mqtt.session.present", opened.ConnAck.SessionPresent);
            return opened;
        }
        catch (Exception ex) when (ConnectFailed(activity, endpoint, started, ex))
        {
            throw;
        }
    }

    private bool ConnectFailed(System.Diagnostics.Activity? activity, MqttEndpoint endpoint, long started, Exception error)
    {
        MqttTracing.Fail(activity, error);
        if (MqttMetrics.ConnectDuration.Enabled || (error is MqttProtocolException && MqttMetrics.ProtocolErrors.Enabled))
        {
            var tags = new EndpointTags(endpoint.Host, endpoint.Port);
            MqttMetrics.RecordConnectDuration(Options.TimeProvider.GetElapsedTime(started), tags, Options.ProtocolVersion, error);

            // A broker breaking the protocol before or in CONNACK; violations later are counted by the connection.
            if (error is MqttProtocolException violation)
            {
                MqttMetrics.RecordProtocolError(violation, tags);
            }
        }

        return false;
    }

    private MqttConnectResult BuildResult(MqttConnAckPacket connAck, string clientId)
    {
        var o = Options;
        var keepAlive = connAck.ServerKeepAlive is { } serverKeepAlive ? TimeSpan.FromSeconds(serverKeepAlive) : o.KeepAlive;
        if (connAck.ServerKeepAlive is { } s)
        {
            Log.ServerKeepAlive(Logger, s);
        }

        return new MqttConnectResult
        {
            ReasonCode = connAck.ReasonCode,
            SessionPresent = connAck.SessionPresent,
            ClientId = connAck.AssignedClientIdentifier ?? clientId,
            AssignedClientIdentifier = connAck.AssignedClientIdentifier,
            KeepAlive = keepAlive,
            ReceiveMaximum = connAck.ReceiveMaximum ?? ushort.MaxValue,
            MaximumPacketSize = connAck.MaximumPacketSize,
            TopicAliasMaximum = connAck.TopicAliasMaximum ?? 0,
            MaximumQoS = connAck.MaximumQoS ?? MqttQualityOfService.ExactlyOnce,
            RetainAvailable = connAck.RetainAvailable ?? true,
            SessionExpiry = connAck.SessionExpiryInterval is { } e ? TimeSpan.FromSeconds(e) : null,
            WildcardSubscriptionAvailable = connAck.WildcardSubscriptionAvailable ?? true,
            SubscriptionIdentifiersAvailable = connAck.SubscriptionIdentifiersAvailable ?? true,
            SharedSubscriptionAvailable = connAck.SharedSubscriptionAvailable ?? true,
            ReasonString = connAck.ReasonString,
            ResponseInformation = connAck.ResponseInformation,
            ServerReference = connAck.ServerReference,
            UserProperties = connAck.UserProperties,
        };
    }

    /// <summary>
    /// Called once by a connection that ended. The current connection's end decides the fate of pending work:
    /// reconnect (publishes keep waiting, their flights retransmitted on the next connection) or give up (they fail).
    /// A connection still being set up only fails its own requests; its attempt reports the failure.
    /// </summary>
    internal void OnConnectionEnded(MqttProtocolConnection connection, Exception reason, MqttConnectionLostException lost, bool unexpected)
    {
        bool reconnect;
        TimeSpan delay = default;
        lock (_stateLock)
        {
            if (!ReferenceEquals(connection, _current))
            {
                Session.FailPending(lost, keepPublishes: true);
                return;
            }

            _current = null;
            _lastFailure = reason;
            reconnect = unexpected && !_closing && !IsDisposed && Options.Reconnect.Enabled && IsTransient(reason);
            if (reconnect)
            {
                _reconnectStop = new CancellationTokenSource();
                delay = FollowReference(connection.ServerReference, reason) ? TimeSpan.Zero : Backoff(1);
            }
        }

        if (!unexpected)
        {
            // DisconnectAsync, AbortAsync or DisposeAsync: they settle the pending work themselves.
            return;
        }

        if (reconnect)
        {
            Session.FailPending(lost, keepPublishes: true);
            SetState(MqttClientState.Reconnecting);
            var stop = _reconnectStop!;
            _reconnectLoop = Task.Run(() => ReconnectLoopAsync(connection.Endpoint, reason, delay, stop.Token));
        }
        else
        {
            SetState(MqttClientState.Disconnected);
            Session.FailPending(lost);
            Queue.FailAll(lost);
        }

        var willRetry = reconnect;
        Raise(c => c.OnConnectionLost(new MqttConnectionLostEventArgs(reason, (reason as MqttConnectionLostException)?.DisconnectReasonCode)), isLoss: true);
        Raise(c => c.OnDisconnected(new MqttDisconnectedEventArgs(reason, connection.Endpoint, willRetry, willRetry ? delay : null)), isLoss: true);
    }

    /// <summary>
    /// Connects again until it works, the failures all say waiting will not help, the attempt limit is reached,
    /// or the application disconnects or disposes.
    /// </summary>
    private async Task ReconnectLoopAsync(MqttEndpoint lostEndpoint, Exception lastError, TimeSpan firstDelay, CancellationToken stop)
    {
        // Started from the read loop, which still carries the span that was current when the application connected,
        // maybe hours ago: a reconnect's connect span starts a trace of its own instead of joining that one.
        System.Diagnostics.Activity.Current = null;
        var endpoints = Options.Endpoints;
        var index = Math.Max(0, IndexOf(endpoints, lostEndpoint));
        var permanent = new Dictionary<MqttEndpoint, Exception>();
        var delay = firstDelay;
        for (var attempt = 1; ; attempt++)
        {
            if (Options.Reconnect.MaximumAttempts is { } limit && attempt > limit)
            {
                GiveUp(attempt - 1, lastError);
                return;
            }

            // With several servers the next one is tried first: the one just lost is the likeliest to be down.
            MqttEndpoint endpoint;
            if (Interlocked.Exchange(ref _redirect, null) is { } redirect)
            {
                endpoint = redirect;
            }
            else
            {
                index = endpoints.Count > 1 ? (index + 1) % endpoints.Count : 0;
                endpoint = endpoints[index];
            }

            Log.ReconnectScheduled(Logger, endpoint.ToString(), (long)delay.TotalMilliseconds, attempt);
            var error = lastError;
            var number = attempt;
            Raise(c => c.OnReconnecting(new MqttReconnectingEventArgs(number, endpoint, error)), isLoss: true);
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, Options.TimeProvider, stop).ConfigureAwait(false);
                }

                await _connectLock.WaitAsync(stop).ConfigureAwait(false);
                try
                {
                    stop.ThrowIfCancellationRequested();
                    await AttemptAsync(endpoint, stop).ConfigureAwait(false);
                    return;
                }
                finally
                {
                    _connectLock.Release();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                lastError = ex;
                Log.ReconnectFailed(Logger, attempt, endpoint.ToString(), ex.Message);
                if (ex is MqttConnectionRefusedException { ServerReference: { } reference } && FollowReference(reference, ex))
                {
                    delay = TimeSpan.Zero;
                    continue;
                }

                if (IsTransient(ex))
                {
                    permanent.Remove(endpoint);
                }
                else
                {
                    permanent[endpoint] = ex;
                    if (endpoints.All(permanent.ContainsKey))
                    {
                        GiveUp(attempt, ex);
                        return;
                    }
                }

                delay = Backoff(attempt + 1);
            }
        }
    }

    private void GiveUp(int attempts, Exception reason)
    {
        Log.ReconnectGaveUp(Logger, attempts, reason.Message);
        lock (_stateLock)
        {
            _lastFailure = reason;
        }

        // The state first: a drainer or publisher racing this must see that no connection is coming.
        var failure = reason as MqttException ?? new MqttConnectionLostException($"Reconnecting failed: {reason.Message}", reason);
        SetState(MqttClientState.Disconnected);
        Session.FailPending(failure);
        Queue.FailAll(failure);
        Raise(c => c.OnDisconnected(new MqttDisconnectedEventArgs(reason, _last?.Endpoint, false, null)), isLoss: true);
    }

    private async Task StopReconnectingAsync()
    {
        CancellationTokenSource? stop;
        lock (_stateLock)
        {
            stop = _reconnectStop;
            _reconnectStop = null;
        }

        if (stop is null)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _reconnectLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }

        stop.Dispose();
    }

    /// <summary>
    /// MQTT 5 Use another server (0x9C) / Server moved (0x9D) with a Server Reference: the next attempt goes there,
    /// when the options allow it. The reference is "host[:port]", possibly several separated by spaces (4.11).
    /// </summary>
    private bool FollowReference(string? reference, Exception reason)
    {
        var code = reason switch
        {
            MqttConnectionLostException lost => lost.DisconnectReasonCode,
            MqttConnectionRefusedException refused => refused.ReasonCode,
            _ => null,
        };
        if (!Options.Reconnect.FollowServerReferences || reference is null || code is not (MqttReasonCode.UseAnotherServer or MqttReasonCode.ServerMoved))
        {
            return false;
        }

        var first = reference.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (first is null)
        {
            return false;
        }

        try
        {
            var parsed = MqttEndpoint.Parse(first);
            var current = _last?.Endpoint ?? Options.Endpoints[0];
            var target = new MqttEndpoint(parsed.Host, first.Contains(':', StringComparison.Ordinal) ? parsed.Port : null, current.UseTls,
                webSocketPath: current.WebSocketPath);
            Log.FollowingServerReference(Logger, target.ToString());
            Volatile.Write(ref _redirect, target);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Jittered exponential backoff: InitialDelay doubled per attempt up to MaximumDelay, minus up to Jitter of it at random.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var r = Options.Reconnect;
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var ticks = Math.Min(r.MaximumDelay.Ticks, r.InitialDelay.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)(ticks * (1 - (r.Jitter * Random.Shared.NextDouble()))));
    }

    /// <summary>
    /// Whether waiting can help: lost connections, timeouts and unavailable brokers can; refused credentials, an
    /// untrusted certificate, a broker breaking the protocol, or a DISCONNECT that says we may not come back cannot.
    /// </summary>
    internal static bool IsTransient(Exception error) => error switch
    {
        MqttConnectionLostException { DisconnectReasonCode: MqttReasonCode.NotAuthorized or MqttReasonCode.Banned or MqttReasonCode.BadAuthenticationMethod } => false,
        MqttException mqtt => mqtt.IsTransient,
        IOException or System.Net.Sockets.SocketException => true,
        _ => false,
    };

    private static int IndexOf(IReadOnlyList<MqttEndpoint> endpoints, MqttEndpoint endpoint)
    {
        for (var i = 0; i < endpoints.Count; i++)
        {
            if (endpoints[i] == endpoint)
            {
                return i;
            }
        }

        return -1;
    }
}
