using System.Buffers;
using System.Text;
using SecureMqtt.Framing;
using SecureMqtt.Packets;
using SecureMqtt.Tls;
using SecureMqtt.Transport;
using SecureMqtt.Transport.WebSockets;

namespace SecureMqtt.Engine;

internal sealed partial class MqttProtocolConnection
{
    /// <summary>
    /// Opens one connection to <paramref name="endpoint"/>: TCP, TLS when the endpoint asks for it, CONNECT and
    /// CONNACK, all within <see cref="MqttClientOptions.ConnectTimeout"/>. The loops are not running yet: the
    /// supervisor adopts the session first and then calls <see cref="Start"/>. A refusal or failure throws the
    /// specific exception, with the connection closed.
    /// </summary>
    public static async Task<(MqttProtocolConnection Connection, MqttConnAckPacket ConnAck)> OpenAsync(MqttConnectionSupervisor owner, MqttEndpoint endpoint,
        string clientId, bool cleanStart, CancellationToken cancellationToken)
    {
        var o = owner.Options;
        var logger = owner.Logger;
        var port = endpoint.Port;
        Log.Connecting(logger, endpoint.Host, port, (endpoint.UseWebSocket ? "WebSocket over " : string.Empty) + (endpoint.UseTls ? "TLS" : "TCP"), o.ProtocolVersion);
        var tags = new EndpointTags(endpoint.Host, port);

        using var timeout = new CancellationTokenSource(o.ConnectTimeout, o.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var phase = "TCP connect";
        MqttFramedStream? stream = null;

        // A fresh exchange per connection: a reconnect runs the whole authentication again [MQTT 4.12].
        using var exchange = o.Authenticator?.CreateExchange();
        try
        {
            // The WebSocket transport says when the layers under it are up, so a stall is blamed on the right one.
            var transport = CreateTransport(owner, endpoint, onUpgrade: () => phase = "WebSocket upgrade");
            // A stalled proxy must not be reported as a TLS handshake timeout.
            phase = (endpoint.Proxy ?? o.Proxy) is not null ? (endpoint.UseTls ? "proxy tunnel or TLS handshake" : "proxy tunnel") : endpoint.UseTls ? "TLS handshake" : "TCP connect";
            var connected = await transport.ConnectAsync(linked.Token).ConfigureAwait(false);
            stream = new MqttFramedStream(connected, o.OutputBufferSize, o.TimeProvider) { Tags = tags };

            phase = "CONNACK";
            var initialData = exchange is null ? null : await exchange.GetInitialDataAsync(linked.Token).ConfigureAwait(false);
            try
            {
                await SendConnectAsync(owner, stream, clientId, cleanStart, initialData, linked.Token).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw (Exception?)stream.ExplainEarlyFailure(ex) ?? new MqttConnectionLostException($"Sending CONNECT failed: {ex.Message}", ex);
            }

            MqttConnAckPacket connAck;
            try
            {
                connAck = await ReadConnAckAsync(owner, stream, exchange, linked.Token).ConfigureAwait(false);
                if ((byte)connAck.ReasonCode >= 0x80)
                {
                    throw new MqttConnectionRefusedException(connAck.ReasonCode, connAck.ReasonString, connAck.ServerReference);
                }

                connAck = CheckConnAck(owner, connAck, clientId, cleanStart);
                if (exchange is not null)
                {
                    // [MQTT-4.12.0-5] the successful CONNACK names the method of the CONNECT; its data is the
                    // server's last word, which a method such as SCRAM checks to authenticate the server.
                    RequireMethod(o.Authenticator!.Method, connAck.AuthenticationMethod, "CONNACK");
                    await exchange.CompleteAsync(connAck.AuthenticationData, linked.Token).ConfigureAwait(false);
                }
            }
            catch (MqttProtocolException violation) when (o.ProtocolVersion == MqttProtocolVersion.V500)
            {
                await SendDisconnectBeforeConnAckAsync(owner, stream, violation.ReasonCode, violation.Message).ConfigureAwait(false);
                throw;
            }
            catch (Authentication.MqttAuthenticationException failure)
            {
                // The server's data was unacceptable: the connection is not authenticated, so it is closed.
                Log.AuthenticationFailed(logger, failure.Method ?? o.Authenticator?.Method ?? "?", failure.Message);
                await SendDisconnectBeforeConnAckAsync(owner, stream, MqttReasonCode.NotAuthorized, "authentication failed").ConfigureAwait(false);
                throw;
            }

            var connection = new MqttProtocolConnection(owner, stream, endpoint, o.ProtocolVersion, tags);
            stream = null;
            return (connection, connAck);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or MqttConnectionLostException
            && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A cancelled socket operation may surface as an I/O error or a lost connection: the timeout is the cause.
            if (phase == "TLS handshake")
            {
                throw new MqttTlsException(MqttTlsFailureKind.Timeout,
                    $"The TLS handshake with {endpoint.Host}:{port} did not finish within {o.ConnectTimeout.TotalSeconds:0.#}s. Check that the port is a TLS listener and reachable.", ex);
            }

            throw new MqttTimeoutException($"Connecting to {endpoint.Host}:{port} timed out during {phase} after {o.ConnectTimeout.TotalSeconds:0.#}s (ConnectTimeout).", ex);
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Closes a connection whose CONNACK was read but that was never started (the session could not be adopted).</summary>
    public async ValueTask AbandonAsync()
    {
        Interlocked.Exchange(ref _terminated, 1);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _cancellation.Dispose();
        Closed.TrySetResult();
    }

    /// <summary>
    /// The transport for one endpoint: TCP (or a proxy tunnel), with TLS (certificates or PSK) over it for an mqtts
    /// or wss endpoint, and a WebSocket over that for ws and wss.
    /// </summary>
    private static IMqttTransport CreateTransport(MqttConnectionSupervisor owner, MqttEndpoint endpoint, Action onUpgrade)
    {
        var o = owner.Options;
        // Through a proxy the tunnel stands where the TCP connection would: the layers above cannot tell the difference.
        IMqttTransport transport = (endpoint.Proxy ?? o.Proxy) is { } proxy
            ? new ProxiedTcpTransport(proxy, endpoint.Host, endpoint.Port)
            : new TcpTransport(endpoint.Host, endpoint.Port);
        if (!endpoint.UseTls)
        {
            return endpoint.UseWebSocket ? new WebSocketTransport(transport, endpoint, o.WebSocket, onUpgrade) : transport;
        }

        // An mqtts endpoint without TLS options is verified against the system's trust store, never unverified.
        var tls = o.Tls ?? new MqttTlsOptions();
        if (endpoint.TlsServerName is { } serverName && tls.TargetHost is null)
        {
            tls = tls with { TargetHost = serverName };
        }

        transport = tls.PreSharedKey is { } psk
            ? new PskTransport(transport, tls, psk, endpoint.Host, endpoint.Port, owner.Logger, owner.PskSessions)
            : new TlsTransport(transport, tls, endpoint.Host, endpoint.Port, owner.Logger, o.TimeProvider, resumable: owner.HasConnectedTo(endpoint));
        return endpoint.UseWebSocket ? new WebSocketTransport(transport, endpoint, o.WebSocket, onUpgrade) : transport;
    }

    private static async ValueTask SendConnectAsync(MqttConnectionSupervisor owner, MqttFramedStream stream, string clientId, bool cleanStart,
        ReadOnlyMemory<byte>? authenticationData, CancellationToken cancellationToken)
    {
        var o = owner.Options;
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

            var packet = BuildConnectPacket(o, clientId, cleanStart, passwordBytes, authenticationData);
            MqttPacketWriter.Write(buffer, packet, o.ProtocolVersion);

            // CONNECT goes straight to the stream: it is alone on the wire until CONNACK, and the buffer that held
            // the password is wiped right after.
            PacketTrace.Sent(owner.Logger, MqttPacketType.Connect);
            await stream.WriteDirectAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
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

    private static MqttConnectPacket BuildConnectPacket(MqttClientOptions o, string clientId, bool cleanStart, ReadOnlyMemory<byte>? password,
        ReadOnlyMemory<byte>? authenticationData)
    {
        var v5 = o.ProtocolVersion == MqttProtocolVersion.V500;
        return new MqttConnectPacket
        {
            ProtocolVersion = o.ProtocolVersion,
            ClientId = clientId,
            CleanStart = cleanStart,
            KeepAliveSeconds = (ushort)o.KeepAlive.TotalSeconds,
            Username = o.Credentials?.UserName,
            Password = password,
            Will = o.Will is { } will ? BuildWill(o, will) : null,
            SessionExpiryInterval = v5 && o.SessionExpiry > TimeSpan.Zero ? (uint)o.SessionExpiry.TotalSeconds : null,
            ReceiveMaximum = v5 && o.ReceiveMaximum != ushort.MaxValue ? o.ReceiveMaximum : null,
            MaximumPacketSize = v5 ? o.MaximumPacketSize : null,
            TopicAliasMaximum = v5 && o.TopicAliasMaximum > 0 ? o.TopicAliasMaximum : null,
            // Both are sent only when they differ from the protocol's defaults (1 and 0).
            RequestProblemInformation = v5 && !o.RequestProblemInformation ? false : null,
            RequestResponseInformation = v5 && o.RequestResponseInformation ? true : null,
            UserProperties = v5 ? o.ConnectUserProperties : [],
            AuthenticationMethod = v5 ? o.Authenticator?.Method : null,
            AuthenticationData = v5 && o.Authenticator is not null ? authenticationData : null,
        };
    }

    private static MqttWill BuildWill(MqttClientOptions o, MqttMessage will) => new()
    {
        Topic = will.Topic,
        Payload = will.Payload,
        QualityOfService = will.QualityOfService,
        Retain = will.Retain,
        WillDelayInterval = o.WillDelay is { } delay ? (uint)delay.TotalSeconds : null,
        PayloadFormatIndicator = will.PayloadFormat,
        MessageExpiryInterval = will.MessageExpiry is { } expiry ? (uint)expiry.TotalSeconds : null,
        ContentType = will.ContentType,
        ResponseTopic = will.ResponseTopic,
        CorrelationData = will.CorrelationData,
        UserProperties = will.UserProperties,
    };

    /// <summary>
    /// Reads up to CONNACK. With an authenticator, the broker's AUTH challenges (0x18 Continue authentication) may
    /// come first; each is answered at once with the exchange's next step, in an AUTH 0x18 of the same method
    /// [MQTT-4.12.0-3] [MQTT-4.12.0-5]. Without one, anything before CONNACK is a protocol error.
    /// </summary>
    private static async ValueTask<MqttConnAckPacket> ReadConnAckAsync(MqttConnectionSupervisor owner, MqttFramedStream stream,
        Authentication.IMqttAuthenticationExchange? exchange, CancellationToken cancellationToken)
    {
        var version = owner.Options.ProtocolVersion;
        while (true)
        {
            MqttPacket? packet;
            try
            {
                packet = await stream.ReadOneAsync(owner.Options.MaximumPacketSize, frame => frame.Type switch
                {
                    MqttPacketType.ConnAck => MqttPacketReader.Decode(frame, version),
                    MqttPacketType.Auth when exchange is not null && version == MqttProtocolVersion.V500 => MqttPacketReader.Decode(frame, version),
                    _ => throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"The broker sent {frame.Type} before CONNACK", "MQTT-3.2.0-1"),
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw (Exception?)stream.ExplainEarlyFailure(ex) ?? new MqttConnectionLostException($"The connection failed while waiting for CONNACK: {ex.Message}", ex);
            }

            switch (packet)
            {
                case MqttConnAckPacket connAck:
                    PacketTrace.ReceivedConnAck(owner.Logger, connAck);
                    return connAck;
                case MqttAuthPacket auth:
                    PacketTrace.Received(owner.Logger, MqttPacketType.Auth);
                    var method = owner.Options.Authenticator!.Method;
                    if (auth.ReasonCode != MqttReasonCode.ContinueAuthentication)
                    {
                        throw new MqttProtocolException(MqttReasonCode.ProtocolError,
                            $"The broker sent AUTH with reason code {auth.ReasonCode} before CONNACK; only 0x18 Continue authentication may come before it", "MQTT-4.12.0-2");
                    }

                    RequireMethod(method, auth.AuthenticationMethod, "AUTH");
                    var step = await exchange!.ContinueAsync(auth.AuthenticationData, cancellationToken).ConfigureAwait(false);
                    await WriteAuthDirectAsync(owner, stream, new MqttAuthPacket
                    {
                        ReasonCode = MqttReasonCode.ContinueAuthentication,
                        AuthenticationMethod = method,
                        AuthenticationData = step.Data,
                    }, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw (Exception?)stream.ExplainEarlyFailure(null)
                        ?? new MqttConnectionLostException("The broker closed the connection without answering CONNECT.");
            }
        }
    }

    private static async ValueTask WriteAuthDirectAsync(MqttConnectionSupervisor owner, MqttFramedStream stream, MqttAuthPacket auth, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        MqttPacketWriter.Write(buffer, auth, MqttProtocolVersion.V500);
        PacketTrace.Sent(owner.Logger, MqttPacketType.Auth);
        try
        {
            await stream.WriteDirectAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw (Exception?)stream.ExplainEarlyFailure(ex) ?? new MqttConnectionLostException($"Sending AUTH failed: {ex.Message}", ex);
        }
        finally
        {
            // The client's proof travelled in it: not secret once sent, but no reason to leave it in the heap.
            buffer.Clear();
        }
    }

    /// <summary>[MQTT-4.12.0-5]: every AUTH packet and the successful CONNACK carry the Authentication Method of the CONNECT.</summary>
    internal static void RequireMethod(string method, string? received, string packet)
    {
        if (!string.Equals(method, received, StringComparison.Ordinal))
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError,
                received is null
                    ? $"The broker's {packet} has no Authentication Method; it must be '{method}', the method of the CONNECT"
                    : $"The broker's {packet} names Authentication Method '{received}'; it must be '{method}', the method of the CONNECT",
                "MQTT-4.12.0-5");
        }
    }

    /// <summary>
    /// What a successful CONNACK may not say. MQTT 5: Session Present with Clean Start, which would resume a
    /// session this client does not have [MQTT-3.2.2-4], and an Assigned Client Identifier when the client gave
    /// one (the server assigns one only for an empty id, 3.2.2.3.7). MQTT 3.1.1 has no such rule for the client,
    /// so there Session Present with Clean Session is logged and the session treated as new.
    /// </summary>
    private static MqttConnAckPacket CheckConnAck(MqttConnectionSupervisor owner, MqttConnAckPacket connAck, string clientId, bool cleanStart)
    {
        var v5 = owner.Options.ProtocolVersion == MqttProtocolVersion.V500;
        if (cleanStart && connAck.SessionPresent)
        {
            if (v5)
            {
                throw new MqttProtocolException(MqttReasonCode.ProtocolError,
                    "The broker answered a Clean Start CONNECT with Session Present = 1, a session this client does not have", "MQTT-3.2.2-4");
            }

            Log.SessionPresentWithCleanSession(owner.Logger);
            return new MqttConnAckPacket { ReasonCode = connAck.ReasonCode, SessionPresent = false };
        }

        if (v5 && clientId.Length > 0 && connAck.AssignedClientIdentifier is { } assigned)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError,
                $"The broker assigned the client identifier '{assigned}' although the client gave '{clientId}'; a server assigns one only for an empty client identifier",
                "3.2.2.3.7");
        }

        return connAck;
    }

    /// <summary>
    /// The broker broke the protocol before or in CONNACK, or did not authenticate itself: under MQTT 5 tell it why,
    /// as on an established connection (a client may send packets before CONNACK arrives). Best effort; the caller
    /// closes the connection.
    /// </summary>
    private static async Task SendDisconnectBeforeConnAckAsync(MqttConnectionSupervisor owner, MqttFramedStream stream, MqttReasonCode reasonCode, string reason)
    {
        if (owner.Options.ProtocolVersion != MqttProtocolVersion.V500)
        {
            return;
        }

        if (reasonCode != MqttReasonCode.NotAuthorized)
        {
            Log.ProtocolViolation(owner.Logger, reason);
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        var disconnect = new MqttDisconnectPacket { ReasonCode = reasonCode, ReasonString = reason };
        MqttPacketWriter.Write(buffer, disconnect, MqttProtocolVersion.V500);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), owner.Options.TimeProvider);
            PacketTrace.SentDisconnect(owner.Logger, new MqttDisconnectPacket { ReasonCode = reasonCode }, MqttProtocolVersion.V500);
            await stream.WriteDirectAsync(buffer.WrittenMemory, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is going away either way.
        }
    }
}
