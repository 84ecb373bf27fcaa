using System.Buffers;
using System.Text;
using SecureMqtt.Framing;
using SecureMqtt.Packets;
using SecureMqtt.Tls;
using SecureMqtt.Transport;

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
        Log.Connecting(logger, endpoint.Host, port, endpoint.UseTls ? "TLS" : "TCP", o.ProtocolVersion);
        using var activity = MqttMetrics.ActivitySource.StartActivity("mqtt connect", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag("server.address", endpoint.Host);
        activity?.SetTag("server.port", port);

        using var timeout = new CancellationTokenSource(o.ConnectTimeout, o.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var phase = "TCP connect";
        MqttFramedStream? stream = null;
        try
        {
            var transport = CreateTransport(owner, endpoint);
            phase = endpoint.UseTls ? "TLS handshake" : "TCP connect";
            var connected = await transport.ConnectAsync(linked.Token).ConfigureAwait(false);
            stream = new MqttFramedStream(connected, o.OutputBufferSize, o.TimeProvider);

            phase = "CONNACK";
            try
            {
                await SendConnectAsync(owner, stream, clientId, cleanStart, linked.Token).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw (Exception?)stream.ExplainEarlyFailure(ex) ?? new MqttConnectionLostException($"Sending CONNECT failed: {ex.Message}", ex);
            }

            MqttConnAckPacket connAck;
            try
            {
                connAck = await ReadConnAckAsync(owner, stream, linked.Token).ConfigureAwait(false);
            }
            catch (MqttProtocolException violation) when (o.ProtocolVersion == MqttProtocolVersion.V500)
            {
                await SendDisconnectBeforeConnAckAsync(owner, stream, violation).ConfigureAwait(false);
                throw;
            }

            if ((byte)connAck.ReasonCode >= 0x80)
            {
                throw new MqttConnectionRefusedException(connAck.ReasonCode, connAck.ReasonString, connAck.ServerReference);
            }

            var connection = new MqttProtocolConnection(owner, stream, endpoint, o.ProtocolVersion);
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

    /// <summary>The transport for one endpoint: TCP, with TLS (certificates or PSK) over it for an mqtts endpoint.</summary>
    private static IMqttTransport CreateTransport(MqttConnectionSupervisor owner, MqttEndpoint endpoint)
    {
        var o = owner.Options;
        IMqttTransport transport = new TcpTransport(endpoint.Host, endpoint.Port);
        if (!endpoint.UseTls)
        {
            return transport;
        }

        // An mqtts endpoint without TLS options is verified against the system's trust store, never unverified.
        var tls = o.Tls ?? new MqttTlsOptions();
        if (endpoint.TlsServerName is { } serverName && tls.TargetHost is null)
        {
            tls = tls with { TargetHost = serverName };
        }

        return tls.PreSharedKey is { } psk
            ? new PskTransport(transport, tls, psk, endpoint.Host, endpoint.Port, owner.Logger)
            : new TlsTransport(transport, tls, endpoint.Host, endpoint.Port, owner.Logger, o.TimeProvider, resumable: owner.HasConnectedTo(endpoint));
    }

    private static async ValueTask SendConnectAsync(MqttConnectionSupervisor owner, MqttFramedStream stream, string clientId, bool cleanStart, CancellationToken cancellationToken)
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

            var packet = BuildConnectPacket(o, clientId, cleanStart, passwordBytes);
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

    private static MqttConnectPacket BuildConnectPacket(MqttClientOptions o, string clientId, bool cleanStart, ReadOnlyMemory<byte>? password)
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

    private static async ValueTask<MqttConnAckPacket> ReadConnAckAsync(MqttConnectionSupervisor owner, MqttFramedStream stream, CancellationToken cancellationToken)
    {
        var version = owner.Options.ProtocolVersion;
        MqttConnAckPacket? connAck;
        try
        {
            connAck = await stream.ReadOneAsync(owner.Options.MaximumPacketSize, frame => frame.Type == MqttPacketType.ConnAck
                ? (MqttConnAckPacket)MqttPacketReader.Decode(frame, version)
                : throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"The broker sent {frame.Type} before CONNACK", "MQTT-3.2.0-1"),
                cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw (Exception?)stream.ExplainEarlyFailure(ex) ?? new MqttConnectionLostException($"The connection failed while waiting for CONNACK: {ex.Message}", ex);
        }

        if (connAck is not null)
        {
            PacketTrace.ReceivedConnAck(owner.Logger, connAck);
        }

        return connAck ?? throw ((Exception?)stream.ExplainEarlyFailure(null)
            ?? new MqttConnectionLostException("The broker closed the connection without answering CONNECT."));
    }

    /// <summary>
    /// The broker broke the protocol before or in CONNACK: under MQTT 5 tell it why, as on an established connection
    /// (a client may send packets before CONNACK arrives). Best effort; the caller closes the connection.
    /// </summary>
    private static async Task SendDisconnectBeforeConnAckAsync(MqttConnectionSupervisor owner, MqttFramedStream stream, MqttProtocolException violation)
    {
        Log.ProtocolViolation(owner.Logger, violation.Message);
        var buffer = new ArrayBufferWriter<byte>(64);
        MqttPacketWriter.Write(buffer, new MqttDisconnectPacket { ReasonCode = violation.ReasonCode, ReasonString = violation.Message }, MqttProtocolVersion.V500);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1), owner.Options.TimeProvider);
            PacketTrace.SentDisconnect(owner.Logger, new MqttDisconnectPacket { ReasonCode = violation.ReasonCode }, MqttProtocolVersion.V500);
            await stream.WriteDirectAsync(buffer.WrittenMemory, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is going away either way.
        }
    }
}
