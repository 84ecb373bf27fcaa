using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt;

/// <summary>
/// Everything the client needs to connect, as one immutable record; change it with <c>with</c>. The defaults
/// are safe; contradictory settings are rejected by <see cref="MqttClient.ConnectAsync(CancellationToken)"/>.
/// </summary>
public sealed record MqttClientOptions
{
    /// <summary>The broker's host name or IP address (when <see cref="Servers"/> is empty).</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>The broker's port; null means 8883 with TLS and 1883 without (when <see cref="Servers"/> is empty).</summary>
    public int? Port { get; init; }

    /// <summary>
    /// Servers tried in turn, for failover: each connection attempt takes the next one (see <see cref="MqttEndpoint.Parse"/>
    /// for <c>mqtts://a:8883</c>). Empty (default): the one server of <see cref="Host"/>, <see cref="Port"/> and <see cref="Tls"/>.
    /// An mqtts endpoint uses <see cref="Tls"/> (or, when it is null, TLS verified against the system's trust store).
    /// </summary>
    public IReadOnlyList<MqttEndpoint> Servers { get; init; } = [];

    /// <summary>How the client reconnects after a lost connection; on by default. <see cref="MqttReconnectOptions.Disabled"/> turns it off.</summary>
    public MqttReconnectOptions Reconnect { get; init; } = new();

    /// <summary>What holds messages published while connecting or reconnecting, and what happens when it is full.</summary>
    public MqttOfflineQueueOptions OfflineQueue { get; init; } = new();

    /// <summary>The MQTT version: 5.0 (default) or 3.1.1.</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V500;

    /// <summary>The client identifier. Empty lets an MQTT 5 broker assign one (see <see cref="MqttClient.ClientId"/>).</summary>
    public string ClientId { get; init; } = string.Empty;

    /// <summary>Start a new session (true, default) or resume the broker's stored session and in-flight messages.</summary>
    public bool CleanStart { get; init; } = true;

    /// <summary>Keep-alive period; the broker may override it (MQTT 5 Server Keep Alive). Zero turns keep-alive off.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>User name and password, or null to send none.</summary>
    public MqttCredentials? Credentials { get; init; }

    /// <summary>
    /// MQTT 5 enhanced authentication (section 4.12), for example <see cref="Authentication.MqttScramAuthenticator"/>;
    /// null (default) for none. Its method goes in CONNECT with the initial data, the broker's AUTH challenges are
    /// answered until CONNACK, and the server's final data is checked before the connect succeeds. Every connection
    /// (reconnects included) and every <see cref="MqttClient.ReauthenticateAsync"/> runs a fresh exchange.
    /// The client does not dispose it. Refused with MQTT 3.1.1, which has no AUTH packet.
    /// </summary>
    public Authentication.IMqttAuthenticator? Authenticator { get; init; }

    /// <summary>The will message the broker publishes when this client disappears without DISCONNECT.</summary>
    public MqttMessage? Will { get; init; }

    /// <summary>MQTT 5 will delay: how long the broker waits before publishing the will.</summary>
    public TimeSpan? WillDelay { get; init; }

    /// <summary>TLS settings; null means plain TCP. There is no implicit TLS: it must be asked for.</summary>
    public MqttTlsOptions? Tls { get; init; }

    /// <summary>
    /// A proxy (HTTP CONNECT or SOCKS5) every connection is tunnelled through; null (default): connect directly. TLS
    /// runs end to end inside the tunnel and still verifies the broker's name. An endpoint's own
    /// <see cref="MqttEndpoint.Proxy"/> takes precedence. A proxy failure is a <see cref="MqttProxyException"/>.
    /// </summary>
    public MqttProxyOptions? Proxy { get; init; }

    /// <summary>
    /// Extra settings for ws and wss endpoints (upgrade request headers). Whether an endpoint is a WebSocket one, and
    /// its path, is part of the endpoint: see <see cref="MqttEndpoint.WebSocketPath"/> and <see cref="MqttEndpoint.Parse"/>.
    /// </summary>
    public MqttWebSocketOptions WebSocket { get; init; } = new();

    /// <summary>MQTT 5 session expiry: how long the broker keeps the session after the connection ends. Whole seconds.</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// MQTT 5: how many QoS 1/2 messages the broker may have in flight towards this client (our Receive Maximum,
    /// the maximum in-flight). Default 65535, the protocol's maximum: a QoS 2 id costs a few bytes until PUBREL,
    /// and QoS 1 is acknowledged once its handlers have run (<see cref="AcknowledgeAfterHandlers"/>). A broker exceeding it with unreleased QoS 2
    /// messages is disconnected with 0x93. Not enforced under MQTT 3.1.1, which cannot announce it.
    /// </summary>
    public ushort ReceiveMaximum { get; init; } = 65535;

    /// <summary>
    /// Do not deliver again a QoS 2 message that the broker sends again after it released it. Some brokers do:
    /// Mosquitto 2.0 (2.0.11 here) sends a QoS 2 PUBLISH again, with DUP set, when two reconnects fall between its
    /// PUBREL and our PUBCOMP (docs/reliability.md), and the specification has the client take that for a new message
    /// [MQTT-4.3.3-13], so the application would see it twice. With this on, a PUBLISH with DUP set whose packet id,
    /// topic and payload are those of the last message released by PUBREL with that id on this session is
    /// acknowledged as a duplicate and not delivered (320 KB of memory per client once the first is released). Default false, as the specification says: a broker that gives
    /// a packet id at once to a new message identical to the last one with that id, and loses its first transmission
    /// with the connection, would have that new message discarded. Kept in memory only (not in the session store).
    /// </summary>
    public bool SuppressQoS2ResendAfterRelease { get; init; }

    /// <summary>
    /// The most QoS 1/2 messages this client keeps unacknowledged towards the broker; further publishers wait.
    /// It can only lower a Receive Maximum the broker announced (MQTT 5). Null (default): the broker's Receive
    /// Maximum under MQTT 5, and 20 under MQTT 3.1.1, which has no way to announce one: Mosquitto's limit is 20
    /// (max_inflight_messages), and past it Mosquitto 2.0 completes QoS 2 flows without delivering the messages, so a
    /// higher 3.1.1 default would lose messages silently. Raise it under 3.1.1 only for a broker that allows more.
    /// </summary>
    public ushort? MaximumOutgoingInFlight { get; init; }

    /// <summary>
    /// The largest packet accepted from the broker, in bytes, fixed header included (announced in MQTT 5, enforced
    /// in both versions). Default 1 MiB. A larger one is refused from its fixed header, before its body is read or
    /// buffered, with DISCONNECT 0x95 under MQTT 5. This bounds the receive buffer and each message's size.
    /// </summary>
    public uint MaximumPacketSize { get; init; } = 1024 * 1024;

    /// <summary>
    /// The longest topic name, in UTF-8 bytes, accepted on an incoming PUBLISH. Default 65535, the protocol's own
    /// maximum, so the client is not stricter than the specification. A longer topic is not a protocol error and
    /// does not end the connection: the message is not delivered, and is acknowledged (under MQTT 5 with 0x90
    /// Topic Name invalid) so the broker does not resend it. Outgoing topics are not limited by this.
    /// </summary>
    public int MaximumTopicLength { get; init; } = 65535;

    /// <summary>MQTT 5: how many topic aliases the broker may use towards this client (0: none).</summary>
    public ushort TopicAliasMaximum { get; init; }

    /// <summary>MQTT 5: user properties sent on CONNECT, in order, duplicates allowed (the broker may log or act on them).</summary>
    public IReadOnlyList<MqttUserProperty> ConnectUserProperties { get; init; } = [];

    /// <summary>
    /// MQTT 5 Request Problem Information. True (the protocol's default, not sent): the broker may add a reason
    /// string and user properties to any packet. False: only to PUBLISH, CONNACK and DISCONNECT [MQTT-3.1.2-29].
    /// </summary>
    public bool RequestProblemInformation { get; init; } = true;

    /// <summary>
    /// MQTT 5 Request Response Information: ask the broker for a response topic prefix, returned in
    /// <see cref="MqttConnectResult.ResponseInformation"/> (the broker may ignore the request). Default false.
    /// </summary>
    public bool RequestResponseInformation { get; init; }

    /// <summary>MQTT 5: replace repeated topic names with aliases on outgoing PUBLISH, within the broker's limit.</summary>
    public bool UseOutgoingTopicAliases { get; init; }

    /// <summary>Time limit for TCP connect, TLS handshake and CONNACK together.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long DisconnectAsync (and DisposeAsync) waits, once its DISCONNECT is written, for the broker to close the
    /// connection. A broker closes after reading the DISCONNECT, so by then it has read the acknowledgements sent
    /// before it; a socket closed sooner can take them with it, and a broker that keeps the session sends those
    /// messages again (Mosquitto does when the next connection under the client id arrives first). Default 1 s; on
    /// loopback the wait is well under a millisecond. Zero closes at once. Measured in real time, not by
    /// <see cref="TimeProvider"/>.
    /// </summary>
    public TimeSpan DisconnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Bytes the output buffer holds before writers wait for the socket (backpressure). Default 64 KiB. Packets
    /// written while the socket is busy are coalesced into one write. A broker that stops reading fills it, and
    /// then publishers (and acknowledgements) wait instead of queueing without end.
    /// </summary>
    public int OutputBufferSize { get; init; } = 64 * 1024;

    /// <summary>
    /// How many received messages wait for the application before <see cref="IncomingMessageFullMode"/> applies.
    /// Default 1024. Messages wait in two queues (before the handlers, and for <see cref="MqttClient.ReadMessagesAsync"/>),
    /// each bounded by this count; <see cref="IncomingMessageBufferSize"/> bounds their bytes together.
    /// </summary>
    public int IncomingMessageChannelCapacity { get; init; } = 1024;

    /// <summary>
    /// How many bytes of received messages may wait for the application, all queues together, before
    /// <see cref="IncomingMessageFullMode"/> applies. Default 8 MiB. With the Wait mode the client then stops reading
    /// from the socket (backpressure), so a broker publishing faster than the application consumes cannot grow the
    /// heap; in the drop modes the new message is dropped. A single message larger than this still passes when
    /// nothing else waits.
    /// </summary>
    public int IncomingMessageBufferSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// What happens when received messages are not consumed fast enough: <see cref="BoundedChannelFullMode.Wait"/>
    /// (default) stops reading from the socket until there is room, so nothing is lost; the drop modes discard.
    /// </summary>
    public BoundedChannelFullMode IncomingMessageFullMode { get; init; } = BoundedChannelFullMode.Wait;

    /// <summary>
    /// Acknowledge a received message once its handlers have returned (or thrown), not as soon as it is queued for
    /// them (default true): a QoS 1 message's PUBACK, and a QoS 2 message's PUBREC, before which its packet id is not
    /// recorded in the session store either. A process that ends with messages still queued or in a handler then gets
    /// them again from a broker that keeps its session, where an early acknowledgement would have told the broker they
    /// were delivered. The broker counts unacknowledged messages against its in-flight window (Mosquitto's
    /// <c>max_inflight_messages</c>, 20 by default), so slow handlers slow the stream towards this client; false
    /// acknowledges on arrival. Applies with <see cref="BoundedChannelFullMode.Wait"/> only (the drop modes give
    /// messages up anyway). A message that no handler takes goes to <see cref="MqttClient.ReadMessagesAsync"/>, whose
    /// reader is then its handler: it is acknowledged once the reader asks for the next message or stops reading, and
    /// the messages behind it wait, as behind a handler (so a reader must not wait for a handler's work). Only a
    /// message queued while no reader is enumerating is acknowledged as soon as it is queued. DisconnectAsync lets a
    /// handler that is running finish (up to 2 seconds; not a reader, which may be the caller) so that its message is
    /// acknowledged before DISCONNECT, and acknowledges none taken after.
    /// </summary>
    public bool AcknowledgeAfterHandlers { get; init; } = true;

    /// <summary>
    /// Reuse received messages and their payload buffers, so that receiving allocates nothing in the steady state
    /// (off by default). The price is a lifetime rule: a message given to a handler is only valid until the handlers
    /// have finished (the client then takes it back), and one read from <see cref="MqttClient.ReadMessagesAsync"/> until
    /// the application calls <see cref="MqttMessage.Return"/>. Code that keeps a message, or its payload, longer must
    /// copy it (<c>message with { Payload = message.Payload.ToArray() }</c>). Without this option every received
    /// message owns its payload and can be kept as long as wanted.
    /// </summary>
    public bool PoolIncomingMessages { get; init; }

    /// <summary>
    /// Where log messages go; nothing is logged by default. Secrets are never logged. At Debug level every packet
    /// sent and received is logged in libmosquitto's wording (event id 16 "sending {Packet}", event id 17
    /// "received {Packet}", for example "sending PUBLISH (d0, q1, r0, m1, 'topic', ... (5 bytes))"), payloads
    /// excluded; with Debug disabled these cost one IsEnabled check per packet and allocate nothing.
    /// </summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The clock for keep-alive and timeouts (replace it in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where in-flight QoS 1/2 state is kept; null means in memory, owned by the client.</summary>
    public IMqttSessionStore? SessionStore { get; init; }

    /// <summary>
    /// Checks the options as <see cref="MqttClient.ConnectAsync(CancellationToken)"/> does, without connecting, so a
    /// host can refuse bad settings at start-up (SecureMqtt.Extensions.Hosting does) with the same message.
    /// Files named in the options are not opened here; that happens at connect.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A setting is out of range or contradicts another; the message says which and why, and <see cref="ArgumentException.ParamName"/>
    /// is the option's path, for example <c>Tls.MinimumVersion</c>.
    /// </exception>
    public void Validate() => MqttClientOptionsValidator.Validate(this);

    /// <summary>The servers in the order they are tried: <see cref="Servers"/>, or the one of Host, Port and Tls.</summary>
    internal IReadOnlyList<MqttEndpoint> Endpoints => Servers is { Count: > 0 } servers ? servers : [new MqttEndpoint(Host, Port, Tls is not null)];
}
