using System.Runtime.CompilerServices;
using SecureMqtt.Engine;
using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>
/// An MQTT 3.1.1 / 5.0 client. Connect, publish, subscribe; incoming messages arrive through the handler of
/// every matching subscription, else <see cref="MessageHandler"/>, else <see cref="ReadMessagesAsync"/>.
/// Once connected, a lost connection is re-established by itself (<see cref="MqttClientOptions.Reconnect"/>):
/// messages published meanwhile are queued, QoS 1/2 messages in flight are sent again, and subscriptions the broker
/// forgot are made again. This type is the face; the machinery is in <c>Engine/</c>.
/// </summary>
public sealed class MqttClient : IAsyncDisposable
{
    private readonly MqttConnectionSupervisor _supervisor;

    /// <summary>For tests of what outlives a connection (session caches and the like).</summary>
    internal MqttConnectionSupervisor Supervisor => _supervisor;

    /// <summary>Creates a client; nothing happens on the network until <see cref="ConnectAsync(CancellationToken)"/>.</summary>
    /// <param name="options">The settings, validated at connect.</param>
    public MqttClient(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _supervisor = new MqttConnectionSupervisor(this, options);
    }

    /// <summary>
    /// Raised when a connection ends without DisconnectAsync, whether or not the client reconnects; never after
    /// DisconnectAsync or DisposeAsync was called. Runs off the read loop, one event at a time, in order.
    /// </summary>
    public event EventHandler<MqttConnectionLostEventArgs>? ConnectionLost;

    /// <summary>Raised when a connection is up and its session restored (first connect and every reconnect).</summary>
    public event EventHandler<MqttConnectedEventArgs>? Connected;

    /// <summary>
    /// Raised when a connection ends without the application asking for it, saying whether and when the client
    /// tries again; and when reconnecting gives up (<see cref="MqttDisconnectedEventArgs.WillRetry"/> false).
    /// </summary>
    public event EventHandler<MqttDisconnectedEventArgs>? Disconnected;

    /// <summary>Raised before each reconnect attempt, with its number and server.</summary>
    public event EventHandler<MqttReconnectingEventArgs>? Reconnecting;

    /// <summary>The options this client was created with.</summary>
    public MqttClientOptions Options { get; }

    /// <summary>Where the client stands: disconnected, connecting, connected, reconnecting, or disposed.</summary>
    public MqttClientState State => _supervisor.State;

    /// <summary>True while connected.</summary>
    public bool IsConnected => _supervisor.IsConnected;

    /// <summary>The client id in use: the configured one, or the one an MQTT 5 broker assigned.</summary>
    public string ClientId => _supervisor.ClientId;

    /// <summary>The CONNACK of the last successful connect, or null before the first.</summary>
    public MqttConnectResult? ConnectResult => _supervisor.ConnectResult;

    /// <summary>The server of the current (or last) connection, or null before the first.</summary>
    public MqttEndpoint? Endpoint => _supervisor.LastConnection?.Endpoint;

    /// <summary>What TLS negotiated on the current (or last) connection; null for plain TCP or before the first connect.</summary>
    public MqttTlsInfo? TlsInfo => _supervisor.LastConnection?.TlsInfo;

    /// <summary>Messages published while not connected and waiting for a connection.</summary>
    public int QueuedMessageCount => _supervisor.Queue.Count;

    /// <summary>
    /// The most QoS 1/2 messages in flight at once on the current connection (the broker's Receive Maximum, capped by
    /// <see cref="MqttClientOptions.MaximumOutgoingInFlight"/>; 20 under MQTT 3.1.1 unless set), or null when not connected.
    /// Publishers beyond it wait for a slot, in the order they published.
    /// </summary>
    public int? OutgoingInFlightLimit => _supervisor.Current?.Quota.Maximum;

    /// <summary>QoS 1/2 messages sent (or to be retransmitted) whose acknowledgement flow is not complete yet.</summary>
    public int InFlightMessageCount => _supervisor.Session.OutgoingCount;

    /// <summary>Bytes read on the current connection (tests use it to know a packet was processed).</summary>
    internal long BytesReceived => _supervisor.LastConnection?.Stream.BytesReceived ?? 0;

    /// <summary>Bytes of received messages waiting for the application (tests check the bound and its release).</summary>
    internal long QueuedIncomingBytes => _supervisor.QueuedIncomingBytes;

    /// <summary>
    /// Receives every message that no subscription handler matched; when null such messages go to
    /// <see cref="ReadMessagesAsync"/>. Runs off the read loop; the next message waits for it to finish.
    /// A handler that awaits a QoS 1/2 publish can stall when the incoming channel is full (the acknowledgement
    /// it waits for is behind the messages that wait for it): publish without awaiting, or raise the capacity.
    /// </summary>
    public Func<MqttMessage, CancellationToken, ValueTask>? MessageHandler
    {
        get => _supervisor.MessageHandler;
        set => _supervisor.MessageHandler = value;
    }

    /// <summary>
    /// Connects: TCP, TLS when configured, CONNECT and CONNACK, all within
    /// <see cref="MqttClientOptions.ConnectTimeout"/>, to each server of <see cref="MqttClientOptions.Servers"/> in
    /// turn until one accepts. With a resumed session, unacknowledged messages are retransmitted. From here on a
    /// lost connection is re-established by the client itself, unless <see cref="MqttClientOptions.Reconnect"/> says not to.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>What the broker said in CONNACK.</returns>
    /// <exception cref="ArgumentException">The options are out of range or contradict each other.</exception>
    /// <exception cref="MqttConnectionRefusedException">The broker refused the connection.</exception>
    /// <exception cref="MqttTlsException">TLS could not be set up; the kind says why.</exception>
    /// <exception cref="MqttTimeoutException">The connect timeout ran out.</exception>
    /// <exception cref="MqttConnectionLostException">The broker could not be reached or closed the connection.</exception>
    public Task<MqttConnectResult> ConnectAsync(CancellationToken cancellationToken = default) => _supervisor.ConnectAsync(cancellationToken);

    /// <summary>
    /// Sends DISCONNECT with <paramref name="reasonCode"/> and closes the connection; stops reconnecting. No
    /// ConnectionLost or Disconnected event is raised for this end. QoS 1/2 publishes still waiting for their
    /// acknowledgement, and queued messages, fail. <see cref="MqttReasonCode.DisconnectWithWillMessage"/> asks an
    /// MQTT 5 broker to publish the will. A received message whose handler is running is acknowledged before the
    /// DISCONNECT (waiting up to 2 seconds for that handler; not when called from a handler), and messages the
    /// handlers take after this call are not acknowledged (<see cref="MqttClientOptions.AcknowledgeAfterHandlers"/>).
    /// It then waits up to <see cref="MqttClientOptions.DisconnectTimeout"/> for the broker to close the connection,
    /// which says the broker read the DISCONNECT and every acknowledgement before it; what arrives meanwhile is neither
    /// delivered nor acknowledged.
    /// </summary>
    /// <param name="reasonCode">The MQTT 5 reason code (ignored under MQTT 3.1.1).</param>
    /// <param name="userProperties">MQTT 5 user properties of the DISCONNECT packet, in order.</param>
    /// <param name="cancellationToken">Stops waiting for buffered packets to be sent and for the broker's close.</param>
    /// <returns>A task that completes when the connection is closed.</returns>
    /// <exception cref="ArgumentException">User properties are given on an MQTT 3.1.1 connection (nothing is sent).</exception>
    public Task DisconnectAsync(MqttReasonCode reasonCode = MqttReasonCode.NormalDisconnection, IReadOnlyList<MqttUserProperty>? userProperties = null,
        CancellationToken cancellationToken = default) => _supervisor.DisconnectAsync(reasonCode, userProperties, cancellationToken);

    /// <summary>
    /// Stops acknowledging received messages, for an application that has what it wanted and is about to leave (as
    /// <c>smqtt sub -C N</c> after the Nth message): messages the handlers take from now on get no PUBACK or PUBREC,
    /// so with a kept session the broker sends them again next time instead of taking them as delivered. The message
    /// a handler is running for now is still acknowledged once it has finished, unless
    /// <paramref name="includingCurrent"/> (a handler that calls this for a message it did not take). The handlers
    /// still run for the messages that follow; messages for <see cref="ReadMessagesAsync"/> are held back as well.
    /// Lasts until the next <see cref="ConnectAsync"/> (automatic reconnects keep it).
    /// </summary>
    /// <param name="includingCurrent">Leave the message being handled now unacknowledged too.</param>
    /// <exception cref="InvalidOperationException">Messages are acknowledged on arrival (<see cref="MqttClientOptions.AcknowledgeAfterHandlers"/> is off, or <see cref="MqttClientOptions.IncomingMessageFullMode"/> drops): nothing can be held back.</exception>
    public void StopAcknowledging(bool includingCurrent = false) => _supervisor.StopAcknowledging(includingCurrent);

    /// <summary>
    /// MQTT 5 re-authentication (section 4.12.1): runs a fresh exchange of <see cref="MqttClientOptions.Authenticator"/>
    /// on the current connection (AUTH 0x19, the broker's AUTH 0x18 challenges answered, AUTH 0x00) while messages
    /// keep flowing. A failure ends the connection: DISCONNECT 0x87 Not authorized when the broker's data is
    /// rejected, or the broker's own DISCONNECT when it rejects the client's; the client does not reconnect then.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; the exchange itself goes on until the broker answers.</param>
    /// <returns>A task that completes when the broker accepted the re-authentication.</returns>
    /// <exception cref="InvalidOperationException">No Authenticator is configured, or a re-authentication is already in progress.</exception>
    /// <exception cref="Authentication.MqttAuthenticationException">The broker refused (its reason code is given) or did not prove itself; the connection is closed.</exception>
    /// <exception cref="MqttConnectionLostException">Not connected.</exception>
    public Task ReauthenticateAsync(CancellationToken cancellationToken = default) => _supervisor.ReauthenticateAsync(cancellationToken);

    /// <summary>
    /// Sends DISCONNECT with everything <paramref name="options"/> says (MQTT 5 reason code, reason string, a new
    /// session expiry, user properties) and closes the connection; otherwise as
    /// <see cref="DisconnectAsync(MqttReasonCode, IReadOnlyList{MqttUserProperty}, CancellationToken)"/>.
    /// </summary>
    /// <param name="options">What the DISCONNECT carries.</param>
    /// <param name="cancellationToken">Stops waiting for buffered packets to be sent.</param>
    /// <returns>A task that completes when the connection is closed.</returns>
    /// <exception cref="ArgumentException">MQTT 5 fields under MQTT 3.1.1, or a non-zero session expiry when CONNECT's was zero [MQTT-3.14.2-2]; nothing is sent.</exception>
    public Task DisconnectAsync(MqttDisconnectOptions options, CancellationToken cancellationToken = default) =>
        _supervisor.DisconnectAsync(options, cancellationToken);

    /// <summary>Publishes a message with only topic, payload, QoS and retain.</summary>
    /// <param name="topic">The topic name (no wildcards).</param>
    /// <param name="payload">The payload; the client does not copy it, so do not change it until the task completes.</param>
    /// <param name="qualityOfService">The QoS.</param>
    /// <param name="retain">Whether the broker keeps the message for later subscribers.</param>
    /// <param name="cancellationToken">Stops waiting; a QoS 1/2 message already sent still completes its flow in the session.</param>
    /// <returns>The broker's answer once the QoS flow completed; await it once (see <see cref="PublishAsync(MqttMessage, CancellationToken)"/>).</returns>
    public ValueTask<MqttPublishResult> PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQualityOfService qualityOfService = MqttQualityOfService.AtMostOnce,
        bool retain = false, CancellationToken cancellationToken = default) =>
        _supervisor.PublishAsync(topic, payload, qualityOfService, retain, cancellationToken);

    /// <summary>
    /// Publishes a message and completes when its QoS flow completed: at once for QoS 0 (once buffered), on
    /// PUBACK for QoS 1, on PUBCOMP (or a failing PUBREC) for QoS 2, on whichever connection that happens. Waits
    /// while the broker's Receive Maximum worth of messages are unacknowledged. While the client is connecting or
    /// reconnecting the message is queued (<see cref="MqttClientOptions.OfflineQueue"/>) and sent, in order, once
    /// a connection is up. Publishes of one QoS made one after another (each call returned before the next) go out in
    /// that order, also those that waited for a slot.
    /// </summary>
    /// <remarks>
    /// The value task may be backed by a waiter the client reuses once it was awaited, so that a publish allocates
    /// nothing of its own: await it once, or call <see cref="ValueTask{TResult}.AsTask"/> to await it several times or
    /// to combine it with <see cref="Task.WhenAll(Task[])"/>.
    /// </remarks>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting; a queued message is taken back, a QoS 1/2 message already sent still completes its flow in the session.</param>
    /// <returns>The broker's answer (reason code) once the QoS flow completed.</returns>
    /// <exception cref="ArgumentException">The topic is not a valid topic name.</exception>
    /// <exception cref="MqttProtocolException">The broker does not allow this message (packet too large, QoS or retain not supported); nothing was sent.</exception>
    /// <exception cref="MqttOfflineQueueFullException">Not connected, the offline queue is full, and its FullMode is Fail.</exception>
    /// <exception cref="MqttConnectionLostException">Not connected and not reconnecting, or the connection ended for good before the flow completed.</exception>
    public ValueTask<MqttPublishResult> PublishAsync(MqttMessage message, CancellationToken cancellationToken = default) =>
        _supervisor.PublishAsync(message, cancellationToken);

    /// <summary>
    /// MQTT 5 request/response (section 4.10): publishes <paramref name="payload"/> to <paramref name="topic"/> at
    /// QoS 1 as a request and completes with the reply. See <see cref="RequestAsync(MqttMessage, TimeSpan, CancellationToken)"/>.
    /// </summary>
    /// <param name="topic">The request topic, where a responder listens.</param>
    /// <param name="payload">The request payload.</param>
    /// <param name="timeout">How long to wait for the reply, the publish included.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The reply: the first message on the response topic carrying this request's Correlation Data.</returns>
    /// <exception cref="MqttTimeoutException">No reply within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The client uses MQTT 3.1.1, or the broker refused the response topic subscription.</exception>
    public Task<MqttMessage> RequestAsync(string topic, ReadOnlyMemory<byte> payload, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RequestAsync(new MqttMessage { Topic = topic, Payload = payload, QualityOfService = MqttQualityOfService.AtLeastOnce }, timeout, cancellationToken);

    /// <summary>
    /// MQTT 5 request/response (section 4.10): publishes <paramref name="request"/> with this client's Response
    /// Topic and 16 random bytes of Correlation Data, and completes with the reply that carries the same
    /// Correlation Data, so concurrent requests each get their own reply. On the first request the client
    /// subscribes (once) to its response topic: the broker's Response Information (asked for with
    /// <see cref="MqttClientOptions.RequestResponseInformation"/>) followed by "/" and the client id, or, when the
    /// broker gives none, <c>smqtt/response/{ClientId}</c>. Replies that match no pending request are dropped. The
    /// reply completes the request as it arrives, ahead of the messages queued for handlers, so a handler (or
    /// <see cref="ReadMessagesAsync"/> reader) may await a request; its acknowledgement still keeps arrival order.
    /// </summary>
    /// <param name="request">The request; its Response Topic and Correlation Data must be unset, the client sets them.</param>
    /// <param name="timeout">How long to wait for the reply, the subscribe and publish included.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="ArgumentException">The request already has a Response Topic or Correlation Data.</exception>
    /// <exception cref="MqttTimeoutException">No reply within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The client uses MQTT 3.1.1, or the broker refused the response topic subscription.</exception>
    public Task<MqttMessage> RequestAsync(MqttMessage request, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _supervisor.RequestAsync(request, timeout, cancellationToken);

    /// <summary>
    /// Answers a request received from a requester (a message with a Response Topic): publishes
    /// <paramref name="payload"/> to its Response Topic with its Correlation Data, at the request's QoS.
    /// </summary>
    /// <param name="request">The request as received.</param>
    /// <param name="payload">The reply payload.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The broker's answer once the QoS flow completed; await it once, as <see cref="PublishAsync(MqttMessage, CancellationToken)"/>'s.</returns>
    /// <exception cref="ArgumentException">The request has no Response Topic.</exception>
    public ValueTask<MqttPublishResult> RespondAsync(MqttMessage request, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        _supervisor.RespondAsync(request, payload, cancellationToken);

    /// <summary>Subscribes to one topic filter.</summary>
    /// <param name="topicFilter">The topic filter (wildcards allowed).</param>
    /// <param name="maximumQoS">The highest QoS to receive with.</param>
    /// <param name="handler">Receives the messages matching this filter; null sends them to <see cref="MessageHandler"/> or <see cref="ReadMessagesAsync"/>.</param>
    /// <param name="cancellationToken">Stops waiting for SUBACK.</param>
    /// <returns>The broker's answer.</returns>
    public Task<MqttSubscribeResult> SubscribeAsync(string topicFilter, MqttQualityOfService maximumQoS = MqttQualityOfService.AtMostOnce,
        Func<MqttMessage, CancellationToken, ValueTask>? handler = null, CancellationToken cancellationToken = default) =>
        SubscribeAsync([new MqttSubscription(topicFilter, maximumQoS)], handler, null, null, cancellationToken);

    /// <summary>
    /// Subscribes to topic filters with their options (maximum QoS, no local, retain as published, retain
    /// handling) and completes with one reason code per filter. The granted ones are remembered and made again
    /// after a reconnect that finds no session on the broker. While reconnecting, waits for the connection.
    /// </summary>
    /// <param name="subscriptions">The filters and options.</param>
    /// <param name="handler">Receives the messages matching these filters (registered before SUBSCRIBE is sent, so
    /// retained messages reach it too); null sends them to <see cref="MessageHandler"/> or <see cref="ReadMessagesAsync"/>.</param>
    /// <param name="subscriptionIdentifier">MQTT 5 subscription identifier (1..268435455) the broker reports on matching messages.</param>
    /// <param name="userProperties">MQTT 5 user properties of the SUBSCRIBE packet, in order.</param>
    /// <param name="cancellationToken">Stops waiting for SUBACK.</param>
    /// <returns>The broker's answer per filter.</returns>
    /// <exception cref="ArgumentException">A filter is not a valid topic filter, or user properties are given on an MQTT 3.1.1 connection.</exception>
    public Task<MqttSubscribeResult> SubscribeAsync(IReadOnlyList<MqttSubscription> subscriptions,
        Func<MqttMessage, CancellationToken, ValueTask>? handler = null, uint? subscriptionIdentifier = null,
        IReadOnlyList<MqttUserProperty>? userProperties = null, CancellationToken cancellationToken = default) =>
        _supervisor.SubscribeAsync(subscriptions, handler, subscriptionIdentifier, userProperties, cancellationToken);

    /// <summary>Unsubscribes from one topic filter and drops its handlers.</summary>
    /// <param name="topicFilter">The filter exactly as subscribed.</param>
    /// <param name="cancellationToken">Stops waiting for UNSUBACK.</param>
    /// <returns>The broker's answer.</returns>
    public Task<MqttUnsubscribeResult> UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken = default) =>
        UnsubscribeAsync([topicFilter], null, cancellationToken);

    /// <summary>Unsubscribes from topic filters, drops their handlers, and forgets them for reconnects.</summary>
    /// <param name="topicFilters">The filters exactly as subscribed.</param>
    /// <param name="userProperties">MQTT 5 user properties of the UNSUBSCRIBE packet, in order.</param>
    /// <param name="cancellationToken">Stops waiting for UNSUBACK.</param>
    /// <returns>The broker's answer per filter (always Success under MQTT 3.1.1).</returns>
    /// <exception cref="ArgumentException">No filter, or user properties are given on an MQTT 3.1.1 connection.</exception>
    public Task<MqttUnsubscribeResult> UnsubscribeAsync(IReadOnlyList<string> topicFilters, IReadOnlyList<MqttUserProperty>? userProperties = null,
        CancellationToken cancellationToken = default) => _supervisor.UnsubscribeAsync(topicFilters, userProperties, cancellationToken);

    /// <summary>
    /// Messages no handler took, in arrival order, until the client is disposed. The queue is bounded by
    /// <see cref="MqttClientOptions.IncomingMessageChannelCapacity"/> messages and
    /// <see cref="MqttClientOptions.IncomingMessageBufferSize"/> bytes; when it is full the client stops reading
    /// from the broker (backpressure) rather than dropping. The reader counts as the messages' handler
    /// (<see cref="MqttClientOptions.AcknowledgeAfterHandlers"/>): a QoS 1/2 message is acknowledged when the reader
    /// asks for the next one or stops reading (break, exception, cancellation), and the messages behind it, for
    /// handlers too, wait for that. A reply to <see cref="RequestAsync(MqttMessage, TimeSpan, CancellationToken)"/> does not wait, so a reader (or
    /// handler) may await a request of its own.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The messages.</returns>
    public IAsyncEnumerable<MqttMessage> ReadMessagesAsync(CancellationToken cancellationToken = default) => _supervisor.ReadMessagesAsync(cancellationToken);

    /// <summary>Disconnects (normal disconnection) if connected, stops reconnecting, and releases everything.</summary>
    /// <returns>A task that completes when the client is closed.</returns>
    public ValueTask DisposeAsync() => _supervisor.DisposeAsync();

    /// <summary>Drops the connection without DISCONNECT, as a crash or a cut cable would, and does not reconnect (tests use it for the will).</summary>
    /// <returns>A task that completes when the socket is closed.</returns>
    internal Task AbortAsync() => _supervisor.AbortAsync();

    internal void OnConnectionLost(MqttConnectionLostEventArgs e) => ConnectionLost?.Invoke(this, e);

    internal void OnConnected(MqttConnectedEventArgs e) => Connected?.Invoke(this, e);

    internal void OnDisconnected(MqttDisconnectedEventArgs e) => Disconnected?.Invoke(this, e);

    internal void OnReconnecting(MqttReconnectingEventArgs e) => Reconnecting?.Invoke(this, e);
}
