using System.Buffers;
using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Session;
using SecureMqtt.Tls;
using SecureMqtt.Transport;

namespace SecureMqtt;

public sealed partial class MqttClient
{
    /// <summary>
    /// Connects: TCP, TLS when configured, CONNECT and CONNACK, all within
    /// <see cref="MqttClientOptions.ConnectTimeout"/>. With a resumed session, unacknowledged messages are
    /// retransmitted.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>What the broker said in CONNACK.</returns>
    /// <exception cref="ArgumentException">The options are out of range or contradict each other.</exception>
    /// <exception cref="MqttConnectionRefusedException">The broker refused the connection.</exception>
    /// <exception cref="MqttTlsException">TLS could not be set up; the kind says why.</exception>
    /// <exception cref="MqttTimeoutException">The connect timeout ran out.</exception>
    /// <exception cref="MqttConnectionLostException">The broker could not be reached or closed the connection.</exception>
    public async Task<MqttConnectResult> ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        MqttClientOptionsValidator.Validate(Options);
        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsConnected)
            {
                throw new InvalidOperationException("The client is already connected.");
            }

            if (_current is { } old)
            {
                await old.Closed.Task.ConfigureAwait(false);
            }

            return await ConnectCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<MqttConnectResult> ConnectCoreAsync(CancellationToken cancellationToken)
    {
        var o = Options;
        var port = o.EffectivePort;
        Log.Connecting(_logger, o.Host, port, o.Tls is null ? "TCP" : "TLS", o.ProtocolVersion);
        using var activity = MqttMetrics.ActivitySource.StartActivity("mqtt connect", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag("server.address", o.Host);
        activity?.SetTag("server.port", port);

        using var timeout = new CancellationTokenSource(o.ConnectTimeout, o.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var phase = "TCP connect";
        MqttConnection? connection = null;
        try
        {
            var transport = CreateTransport(port);
            phase = o.Tls is null ? "TCP connect" : "TLS handshake";
            var connected = await transport.ConnectAsync(linked.Token).ConfigureAwait(false);
            connection = new MqttConnection(connected, o.OutputBufferSize, o.TimeProvider);

            phase = "CONNACK";
            try
            {
                await SendConnectAsync(connection, linked.Token).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw (Exception?)connection.ExplainEarlyFailure(ex) ?? new MqttConnectionLostException($"Sending CONNECT failed: {ex.Message}", ex);
            }

            MqttConnAckPacket connAck;
            try
            {
                connAck = await ReadConnAckAsync(connection, linked.Token).ConfigureAwait(false);
            }
            catch (MqttProtocolException violation) when (o.ProtocolVersion == MqttProtocolVersion.V500)
            {
                await SendDisconnectBeforeConnAckAsync(connection, violation).ConfigureAwait(false);
                throw;
            }

            if ((byte)connAck.ReasonCode >= 0x80)
            {
                throw new MqttConnectionRefusedException(connAck.ReasonCode, connAck.ReasonString, connAck.ServerReference);
            }

            var result = await StartConnectionAsync(connection, connAck, linked.Token).ConfigureAwait(false);
            connection = null;
            return result;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or MqttConnectionLostException
            && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A cancelled socket operation may surface as an I/O error or a lost connection: the timeout is the cause.
            if (phase == "TLS handshake")
            {
                throw new MqttTlsException(MqttTlsFailureKind.Timeout,
                    $"The TLS handshake with {o.Host}:{port} did not finish within {o.ConnectTimeout.TotalSeconds:0.#}s. Check that the port is a TLS listener and reachable.", ex);
            }

            throw new MqttTimeoutException($"Connecting to {o.Host}:{port} timed out during {phase} after {o.ConnectTimeout.TotalSeconds:0.#}s (ConnectTimeout).", ex);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private IMqttTransport CreateTransport(int port)
    {
        IMqttTransport transport = new TcpTransport(Options.Host, port);
        if (Options.Tls is { PreSharedKey: { } psk } pskOptions)
        {
            transport = new PskTransport(transport, pskOptions, psk, Options.Host, port, _logger);
        }
        else if (Options.Tls is { } tls)
        {
            transport = new TlsTransport(transport, tls, Options.Host, port, _logger, Options.TimeProvider);
        }

        return transport;
    }

    private async ValueTask SendConnectAsync(MqttConnection connection, CancellationToken cancellationToken)
    {
        var o = Options;
        byte[]? password = null;
        var passwordLength = 0;
        var buffer = new ArrayBufferWriter<byte>(256);
        try
        {
            if (o.Credentials?.Password is { } text)
            {
                password = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
                passwordLength = Encoding.UTF8.GetBytes(text, password);
            }

            ReadOnlyMemory<byte>? passwordBytes = null;
            if (password is not null)
            {
                passwordBytes = password.AsMemory(0, passwordLength);
            }

            var packet = BuildConnectPacket(passwordBytes);
            MqttPacketWriter.Write(buffer, packet, o.ProtocolVersion);

            // CONNECT goes straight to the stream: it is alone on the wire until CONNACK, and the buffer that held
            // the password is wiped right after.
            PacketTrace.Sent(_logger, MqttPacketType.Connect);
            await connection.WriteDirectAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            buffer.Clear();
            if (password is not null)
            {
                ArrayPool<byte>.Shared.Return(password, clearArray: true);
            }
        }
    }

    private MqttConnectPacket BuildConnectPacket(ReadOnlyMemory<byte>? password)
    {
        var o = Options;
        var v5 = o.ProtocolVersion == MqttProtocolVersion.V500;
        return new MqttConnectPacket
        {
            ProtocolVersion = o.ProtocolVersion,
            ClientId = o.ClientId,
            CleanStart = o.CleanStart,
            KeepAliveSeconds = (ushort)o.KeepAlive.TotalSeconds,
            Username = o.Credentials?.UserName,
            Password = password,
            Will = o.Will is { } will ? BuildWill(will) : null,
            SessionExpiryInterval = v5 && o.SessionExpiry > TimeSpan.Zero ? (uint)o.SessionExpiry.TotalSeconds : null,
            ReceiveMaximum = v5 && o.ReceiveMaximum != ushort.MaxValue ? o.ReceiveMaximum : null,
            MaximumPacketSize = v5 ? o.MaximumPacketSize : null,
            TopicAliasMaximum = v5 && o.TopicAliasMaximum > 0 ? o.TopicAliasMaximum : null,
            // Both are sent only when they differ from the protocol's defaults (1 and 0).
            RequestProblemInformation = v5 && !o.RequestProblemInformation ? false : null,
            RequestResponseInformation = v5 && o.RequestResponseInformation ? true : null,
            UserProperties = v5 ? o.ConnectUserProperties : [],
        };
    }

    private MqttWill BuildWill(MqttMessage will) => new()
    {
        Topic = will.Topic,
        Payload = will.Payload,
        QualityOfService = will.QualityOfService,
        Retain = will.Retain,
        WillDelayInterval = Options.WillDelay is { } delay ? (uint)delay.TotalSeconds : null,
        PayloadFormatIndicator = will.PayloadFormat,
        MessageExpiryInterval = will.MessageExpiry is { } expiry ? (uint)expiry.TotalSeconds : null,
        ContentType = will.ContentType,
        ResponseTopic = will.ResponseTopic,
        CorrelationData = will.CorrelationData,
        UserProperties = will.UserProperties,
    };

    private async ValueTask<MqttConnAckPacket> ReadConnAckAsync(MqttConnection connection, CancellationToken cancellationToken)
    {
        var version = Options.ProtocolVersion;
        MqttConnAckPacket? connAck;
        try
        {
            connAck = await connection.ReadOneAsync(Options.MaximumPacketSize, frame => frame.Type == MqttPacketType.ConnAck
                ? (MqttConnAckPacket)MqttPacketReader.Decode(frame, version)
                : throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"The broker sent {frame.Type} before CONNACK", "MQTT-3.2.0-1"),
                cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw (Exception?)connection.ExplainEarlyFailure(ex) ?? new MqttConnectionLostException($"The connection failed while waiting for CONNACK: {ex.Message}", ex);
        }

        if (connAck is not null)
        {
            PacketTrace.ReceivedConnAck(_logger, connAck);
        }

        return connAck ?? throw ((Exception?)connection.ExplainEarlyFailure(null)
            ?? new MqttConnectionLostException("The broker closed the connection without answering CONNECT."));
    }

    private async Task<MqttConnectResult> StartConnectionAsync(MqttConnection connection, MqttConnAckPacket connAck, CancellationToken cancellationToken)
    {
        var o = Options;
        var clientId = connAck.AssignedClientIdentifier ?? o.ClientId;
        var keepAlive = connAck.ServerKeepAlive is { } serverKeepAlive ? TimeSpan.FromSeconds(serverKeepAlive) : o.KeepAlive;
        if (connAck.ServerKeepAlive is { } s)
        {
            Log.ServerKeepAlive(_logger, s);
        }

        var receiveMaximum = connAck.ReceiveMaximum ?? ushort.MaxValue;
        var flights = await _session.StartAsync(clientId, connAck.SessionPresent, cancellationToken).ConfigureAwait(false);

        var context = new ClientConnection(connection, o.ProtocolVersion)
        {
            Logger = _logger,
            KeepAlive = keepAlive,
            BrokerMaximumPacketSize = connAck.MaximumPacketSize ?? 268_435_460,
            MaximumQoS = connAck.MaximumQoS ?? MqttQualityOfService.ExactlyOnce,
            RetainAvailable = connAck.RetainAvailable ?? true,
            Quota = new SendQuota(receiveMaximum),
            InboundAliases = new InboundTopicAliases(o.TopicAliasMaximum),
            OutboundAliases = new OutboundTopicAliases(o.UseOutgoingTopicAliases ? connAck.TopicAliasMaximum ?? 0 : (ushort)0),
        };

        var result = new MqttConnectResult
        {
            ReasonCode = connAck.ReasonCode,
            SessionPresent = connAck.SessionPresent,
            ClientId = clientId,
            AssignedClientIdentifier = connAck.AssignedClientIdentifier,
            KeepAlive = keepAlive,
            ReceiveMaximum = receiveMaximum,
            MaximumPacketSize = connAck.MaximumPacketSize,
            TopicAliasMaximum = connAck.TopicAliasMaximum ?? 0,
            MaximumQoS = context.MaximumQoS,
            RetainAvailable = context.RetainAvailable,
            SessionExpiry = connAck.SessionExpiryInterval is { } e ? TimeSpan.FromSeconds(e) : null,
            WildcardSubscriptionAvailable = connAck.WildcardSubscriptionAvailable ?? true,
            SubscriptionIdentifiersAvailable = connAck.SubscriptionIdentifiersAvailable ?? true,
            SharedSubscriptionAvailable = connAck.SharedSubscriptionAvailable ?? true,
            ReasonString = connAck.ReasonString,
            ResponseInformation = connAck.ResponseInformation,
            ServerReference = connAck.ServerReference,
            UserProperties = connAck.UserProperties,
        };

        _connectResult = result;
        _current = context;
        context.Quota.ForceAcquire(flights.Count);
        context.FlushLoop = RunFlushLoopAsync(context);
        context.ReadLoop = RunReadLoopAsync(context);
        context.KeepAliveLoop = RunKeepAliveLoopAsync(context);
        Log.Connected(_logger, o.Host, o.EffectivePort, clientId, connAck.SessionPresent, (int)keepAlive.TotalSeconds);

        if (flights.Count > 0)
        {
            Log.Retransmitting(_logger, flights.Count);
            foreach (var flight in flights)
            {
                await RetransmitAsync(context, flight, cancellationToken).ConfigureAwait(false);
            }
        }

        return result;
    }

    private async ValueTask RetransmitAsync(ClientConnection connection, MqttOutgoingFlight flight, CancellationToken cancellationToken)
    {
        if (flight.State == MqttOutgoingFlightState.AwaitingPubComp)
        {
            await WriteAckAsync(connection, new MqttAck(MqttPacketType.PubRel, flight.PacketId), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // [MQTT-4.4.0-1] [MQTT-3.3.1-1]: same packet id, DUP set, full topic (aliases do not survive connections).
            await WritePublishAsync(connection, flight.Message, flight.PacketId, duplicate: true, cancellationToken).ConfigureAwait(false);
        }
    }
}
