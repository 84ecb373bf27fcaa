using System.Buffers;
using SecureMqtt.Packets;

namespace SecureMqtt;

public sealed partial class MqttClient
{
    /// <summary>Publishes a message with only topic, payload, QoS and retain.</summary>
    /// <param name="topic">The topic name (no wildcards).</param>
    /// <param name="payload">The payload; the client does not copy it, so do not change it until the task completes.</param>
    /// <param name="qualityOfService">The QoS.</param>
    /// <param name="retain">Whether the broker keeps the message for later subscribers.</param>
    /// <param name="cancellationToken">Stops waiting; a QoS 1/2 message already sent still completes its flow in the session.</param>
    /// <returns>The broker's answer once the QoS flow completed.</returns>
    public Task<MqttPublishResult> PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qualityOfService = MqttQualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default) =>
        PublishAsync(new MqttMessage { Topic = topic, Payload = payload, QualityOfService = qualityOfService, Retain = retain }, cancellationToken);

    /// <summary>
    /// Publishes a message and completes when its QoS flow completed: at once for QoS 0 (once buffered), on
    /// PUBACK for QoS 1, on PUBCOMP (or a failing PUBREC) for QoS 2. Waits while the broker's Receive Maximum
    /// worth of messages are unacknowledged.
    /// </summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting; a QoS 1/2 message already sent still completes its flow in the session.</param>
    /// <returns>The broker's answer (reason code) once the QoS flow completed.</returns>
    /// <exception cref="ArgumentException">The topic is not a valid topic name.</exception>
    /// <exception cref="MqttProtocolException">The broker does not allow this message (packet too large, QoS or retain not supported); nothing was sent.</exception>
    /// <exception cref="MqttConnectionLostException">Not connected, or the connection ended before the flow completed.</exception>
    public Task<MqttPublishResult> PublishAsync(MqttMessage message, CancellationToken cancellationToken = default)
    {
        // QoS 0 with nobody tracing: no async state machine and no result object per message. When the output buffer
        // takes the packet at once (the usual case) the caller gets one cached, completed task.
        if (message is { QualityOfService: MqttQualityOfService.AtMostOnce } && !MqttMetrics.ActivitySource.HasListeners())
        {
            ValueTask written;
            try
            {
                written = StartAtMostOnceAsync(message, cancellationToken);
            }
#pragma warning disable CA1031 // Not swallowed: handed to the caller in the task, as the async path would.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return Task.FromException<MqttPublishResult>(ex);
            }

            if (written.IsCompletedSuccessfully)
            {
                written.GetAwaiter().GetResult();
                return s_sentAtMostOnce;
            }

            return AwaitAtMostOnceAsync(written);
        }

        return PublishCoreAsync(message, cancellationToken);
    }

    private static readonly Task<MqttPublishResult> s_sentAtMostOnce = Task.FromResult(new MqttPublishResult { ReasonCode = MqttReasonCode.Success });

    private static async Task<MqttPublishResult> AwaitAtMostOnceAsync(ValueTask written)
    {
        await written.ConfigureAwait(false);
        return await s_sentAtMostOnce.ConfigureAwait(false);
    }

    /// <summary>Checks a QoS 0 message and starts buffering it; throws what the async path would put in its task.</summary>
    private ValueTask StartAtMostOnceAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var (connection, sized) = CheckPublish(message);
        return WritePublishAsync(connection, message, 0, duplicate: false, sized, cancellationToken);
    }

    private async Task<MqttPublishResult> PublishCoreAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var (connection, sized) = CheckPublish(message);
        using var activity = MqttMetrics.ActivitySource.StartActivity("mqtt publish", System.Diagnostics.ActivityKind.Producer);
        activity?.SetTag("messaging.destination.name", message.Topic);
        if (message.QualityOfService == MqttQualityOfService.AtMostOnce)
        {
            // The packet built for the size check is the one to send (id 0, no DUP) unless a topic alias applies.
            await WritePublishAsync(connection, message, 0, duplicate: false, sized, cancellationToken).ConfigureAwait(false);
            return new MqttPublishResult { ReasonCode = MqttReasonCode.Success };
        }

        await connection.Quota.AcquireAsync(cancellationToken).ConfigureAwait(false);
        ushort packetId;
        Task<MqttPublishResult> completion;
        try
        {
            (packetId, completion) = await _session.BeginPublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            connection.Quota.Release();
            throw;
        }

        try
        {
            await WritePublishAsync(connection, message, packetId, duplicate: false, prebuilt: null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelled before the bytes were buffered: the broker never saw it.
            await _session.AbandonPublishAsync(packetId).ConfigureAwait(false);
            connection.Quota.Release();
            throw;
        }

        return await completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Everything checked before a publish is accepted, on both the QoS 0 fast path and the async path.</summary>
    private (ClientConnection Connection, MqttPublishPacket Sized) CheckPublish(MqttMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!MqttTopic.IsValidTopicName(message.Topic, out var error))
        {
            throw new ArgumentException($"Invalid topic name '{message.Topic}': {error}", nameof(message));
        }

        var connection = RequireConnection();
        return (connection, CheckAllowed(connection, message));
    }

    /// <returns>The packet that was sized: for QoS 0 it is exactly the packet to send without an alias.</returns>
    private static MqttPublishPacket CheckAllowed(ClientConnection connection, MqttMessage message)
    {
        if (message.QualityOfService > connection.MaximumQoS)
        {
            throw new MqttProtocolException(MqttReasonCode.QoSNotSupported,
                $"The broker supports QoS up to {connection.MaximumQoS}; this message asks for {message.QualityOfService}", "MQTT-3.2.2-11");
        }

        if (message.Retain && !connection.RetainAvailable)
        {
            throw new MqttProtocolException(MqttReasonCode.RetainNotSupported, "The broker does not support retained messages", "MQTT-3.2.2-14");
        }

        // A QoS 1/2 packet id is taken only after these checks, so 1 stands in for it: the id's value does not change the size.
        var packet = ToPacket(message, message.QualityOfService == MqttQualityOfService.AtMostOnce ? (ushort)0 : (ushort)1, false, message.Topic, null);
        var size = MqttPacketWriter.GetSize(packet, connection.Version);
        if ((uint)size > connection.BrokerMaximumPacketSize)
        {
            throw new MqttProtocolException(MqttReasonCode.PacketTooLarge,
                $"The PUBLISH would be {size} bytes, more than the broker's Maximum Packet Size of {connection.BrokerMaximumPacketSize} bytes; nothing was sent", "MQTT-3.1.2-24");
        }

        return packet;
    }

    private static ValueTask WritePublishAsync(ClientConnection connection, MqttMessage message, ushort packetId, bool duplicate, CancellationToken cancellationToken) =>
        WritePublishAsync(connection, message, packetId, duplicate, prebuilt: null, cancellationToken);

    // prebuilt: a packet already built for this message with this id, DUP flag and the full topic; sent as it is
    // when no alias applies, so the hot QoS 0 path does not build the same packet twice.
    private static ValueTask WritePublishAsync(ClientConnection connection, MqttMessage message, ushort packetId, bool duplicate, MqttPublishPacket? prebuilt, CancellationToken cancellationToken)
    {
        MqttMetrics.MessagesSent.Add(1);
        PacketTrace.SentPublish(connection.Logger, message, packetId, duplicate);
        return connection.Connection.Output.WriteAsync((connection, message, packetId, duplicate, prebuilt), static (writer, state) =>
        {
            // Aliases are chosen here, under the output buffer's lock, so an alias is always defined on the wire
            // before a PUBLISH uses it alone. A retransmission always carries the full topic.
            var (topic, alias) = state.duplicate ? (state.message.Topic, (ushort?)null) : state.connection.OutboundAliases.Apply(state.message.Topic);
            var packet = alias is null && state.prebuilt is not null ? state.prebuilt : ToPacket(state.message, state.packetId, state.duplicate, topic, alias);
            MqttPacketWriter.Write(writer, packet, state.connection.Version);
        }, cancellationToken);
    }

    private static ValueTask WriteAckAsync(ClientConnection connection, MqttAck ack, CancellationToken cancellationToken)
    {
        PacketTrace.SentAck(connection.Logger, ack);
        return connection.Connection.Output.WriteAsync((ack, connection.Version), static (writer, state) => MqttPacketWriter.WriteAck(writer, state.ack, state.Version), cancellationToken);
    }

    private static ValueTask WritePacketAsync(ClientConnection connection, MqttPacket packet, CancellationToken cancellationToken) =>
        connection.Connection.Output.WriteAsync((packet, connection.Version), static (writer, state) => MqttPacketWriter.Write(writer, state.packet, state.Version), cancellationToken);

    private static MqttPublishPacket ToPacket(MqttMessage message, ushort packetId, bool duplicate, string topic, ushort? alias) => new()
    {
        Topic = topic,
        TopicAlias = alias,
        Payload = message.Payload,
        QualityOfService = message.QualityOfService,
        Retain = message.Retain,
        Duplicate = duplicate,
        PacketId = packetId,
        PayloadFormatIndicator = message.PayloadFormat,
        MessageExpiryInterval = message.MessageExpiry is { } expiry ? (uint)expiry.TotalSeconds : null,
        ContentType = message.ContentType,
        ResponseTopic = message.ResponseTopic,
        CorrelationData = message.CorrelationData,
        UserProperties = message.UserProperties,
    };

    private static MqttMessage ToMessage(MqttPublishPacket packet, string topic) => new()
    {
        Topic = topic,
        Payload = packet.Payload,
        QualityOfService = packet.QualityOfService,
        Retain = packet.Retain,
        Duplicate = packet.Duplicate,
        PacketId = packet.QualityOfService == MqttQualityOfService.AtMostOnce ? null : packet.PacketId,
        PayloadFormat = packet.PayloadFormatIndicator,
        MessageExpiry = packet.MessageExpiryInterval is { } expiry ? TimeSpan.FromSeconds(expiry) : null,
        ContentType = packet.ContentType,
        ResponseTopic = packet.ResponseTopic,
        CorrelationData = packet.CorrelationData,
        UserProperties = packet.UserProperties,
        SubscriptionIdentifiers = packet.SubscriptionIdentifiers,
    };
}
