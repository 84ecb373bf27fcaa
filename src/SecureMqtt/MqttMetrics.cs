using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using SecureMqtt.Engine;
using SecureMqtt.Packets;
using SecureMqtt.Tls;

namespace SecureMqtt;

/// <summary>
/// The instruments of the meter "SecureMqtt" (<see cref="MqttTelemetry.MeterName"/>), named and tagged after
/// OpenTelemetry's messaging semantic conventions where they define one, <c>mqtt.client.*</c> where they do not.
/// docs/telemetry.md lists them. Every recording site checks <see cref="Instrument.Enabled"/> first, and the tag
/// values are made once (boxed ports, QoS, constant strings), so a process nobody measures pays a field read per
/// message and one that is measured builds its tags on the stack (a <see cref="TagList"/> of at most eight).
/// </summary>
internal static class MqttMetrics
{
    public const string Name = MqttTelemetry.MeterName;

    private static readonly string? s_version = typeof(MqttMetrics).Assembly.GetName().Version?.ToString();

    private static readonly Meter Meter = new(Name, s_version);

    public static readonly ActivitySource ActivitySource = new(MqttTelemetry.ActivitySourceName, s_version);

    // Publish latency on a LAN is tens of microseconds, across a continent tens of milliseconds, and a broker
    // persisting QoS 2 under load can take seconds: boundaries from 50 us to 10 s.
    private static readonly double[] s_latencyBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // Connecting and TLS handshakes: a millisecond on loopback, seconds over a bad link, up to ConnectTimeout.
    private static readonly double[] s_connectBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    public static readonly Counter<long> SentMessages = Meter.CreateCounter<long>("messaging.client.sent.messages", "{message}",
        "Messages published to the broker (PUBLISH packets written, retransmissions not counted again)");

    public static readonly Counter<long> ConsumedMessages = Meter.CreateCounter<long>("messaging.client.consumed.messages", "{message}",
        "Messages received from the broker (PUBLISH packets read)");

    public static readonly Counter<long> SentPayload = Meter.CreateCounter<long>("mqtt.client.sent.payload", "By",
        "Payload bytes of the messages published");

    public static readonly Counter<long> ReceivedPayload = Meter.CreateCounter<long>("mqtt.client.received.payload", "By",
        "Payload bytes of the messages received");

    public static readonly Counter<long> NetworkIo = Meter.CreateCounter<long>("mqtt.client.network.io", "By",
        "MQTT bytes written to and read from the connection (inside TLS)");

    public static readonly Histogram<double> PublishDuration = Meter.CreateHistogram<double>("messaging.client.operation.duration", "s",
        "QoS 1/2 publish latency: from the PUBLISH handed to the connection to its PUBACK (QoS 1) or PUBCOMP (QoS 2)",
        tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = s_latencyBuckets });

    public static readonly Counter<long> Connections = Meter.CreateCounter<long>("mqtt.client.connections", "{connection}",
        "Connections established (CONNACK accepted and the session adopted), reconnections included");

    public static readonly Counter<long> Reconnects = Meter.CreateCounter<long>("mqtt.client.reconnects", "{connection}",
        "Connections that replaced a lost one");

    public static readonly Histogram<double> ConnectDuration = Meter.CreateHistogram<double>("mqtt.client.connect.duration", "s",
        "Connection attempts: from opening the socket to CONNACK, failures tagged with error.type",
        tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = s_connectBuckets });

    public static readonly Histogram<double> TlsHandshakeDuration = Meter.CreateHistogram<double>("mqtt.client.tls.handshake.duration", "s",
        "TLS handshakes (certificates or PSK), failures tagged with error.type",
        tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = s_connectBuckets });

    public static readonly Counter<long> ProtocolErrors = Meter.CreateCounter<long>("mqtt.client.protocol.errors", "{error}",
        "Protocol violations by the broker that the client detected, by reason code");

    public static readonly Counter<long> DroppedMessages = Meter.CreateCounter<long>("mqtt.client.dropped.messages", "{message}",
        "Messages dropped or refused by a full or dropping queue");

    public static readonly KeyValuePair<string, object?> MessagingSystem = new("messaging.system", "mqtt");
    private static readonly KeyValuePair<string, object?> s_publishName = new("messaging.operation.name", "publish");
    private static readonly KeyValuePair<string, object?> s_sendType = new("messaging.operation.type", "send");
    private static readonly KeyValuePair<string, object?> s_receiveName = new("messaging.operation.name", "receive");
    private static readonly KeyValuePair<string, object?> s_receiveType = new("messaging.operation.type", "receive");
    private static readonly KeyValuePair<string, object?> s_transmit = new("network.io.direction", "transmit");
    private static readonly KeyValuePair<string, object?> s_receive = new("network.io.direction", "receive");
    private static readonly KeyValuePair<string, object?> s_offlineQueue = new("mqtt.queue", "offline");
    private static readonly KeyValuePair<string, object?> s_incomingQueue = new("mqtt.queue", "incoming");
    private static readonly KeyValuePair<string, object?>[] s_qos = [new("mqtt.qos", 0), new("mqtt.qos", 1), new("mqtt.qos", 2)];

    /// <summary>The clients alive in this process, for the observable instruments; weak, so a client never disposed is not kept.</summary>
    private static readonly ConditionalWeakTable<MqttConnectionSupervisor, object> s_clients = [];
    private static readonly object s_present = new();

    private static readonly string[] s_stateNames = ["disconnected", "connecting", "connected", "reconnecting"];

    static MqttMetrics()
    {
        Meter.CreateObservableUpDownCounter("mqtt.client.connection.state", ObserveStates, "{client}",
            "Clients in each state (mqtt.client.state: disconnected, connecting, connected, reconnecting)");
        Meter.CreateObservableUpDownCounter("mqtt.client.inflight", ObserveInFlight, "{message}",
            "Outgoing QoS 1/2 messages sent and not yet acknowledged");
        Meter.CreateObservableUpDownCounter("mqtt.client.queued", ObserveQueued, "{message}",
            "Messages waiting: published while offline (mqtt.queue=offline), or received and not yet handled (mqtt.queue=incoming)");
    }

    public static KeyValuePair<string, object?> QoS(MqttQualityOfService qos) => (uint)qos < 3 ? s_qos[(int)qos] : new("mqtt.qos", (int)qos);

    public static void Register(MqttConnectionSupervisor client) => s_clients.AddOrUpdate(client, s_present);

    public static void Unregister(MqttConnectionSupervisor client) => s_clients.Remove(client);

    public static void RecordSent(MqttMessage message, EndpointTags endpoint) => RecordSent(message.QualityOfService, message.Payload.Length, endpoint);

    public static void RecordSent(MqttQualityOfService qos, int payloadLength, EndpointTags endpoint)
    {
        var tags = new TagList { MessagingSystem, s_publishName, s_sendType, QoS(qos), endpoint.Address, endpoint.Port };
        SentMessages.Add(1, tags);
        SentPayload.Add(payloadLength, tags);
    }

    public static void RecordReceived(MqttQualityOfService qos, int payloadLength, EndpointTags endpoint)
    {
        var tags = new TagList { MessagingSystem, s_receiveName, s_receiveType, QoS(qos), endpoint.Address, endpoint.Port };
        ConsumedMessages.Add(1, tags);
        ReceivedPayload.Add(payloadLength, tags);
    }

    public static void RecordNetworkIo(long bytes, bool sent, EndpointTags endpoint) =>
        NetworkIo.Add(bytes, new TagList { MessagingSystem, sent ? s_transmit : s_receive, endpoint.Address, endpoint.Port });

    public static void RecordPublishDuration(TimeSpan elapsed, MqttQualityOfService qos, MqttReasonCode reasonCode, EndpointTags endpoint)
    {
        var tags = new TagList { MessagingSystem, s_publishName, s_sendType, QoS(qos), endpoint.Address, endpoint.Port };
        if ((byte)reasonCode >= 0x80)
        {
            tags.Add("error.type", reasonCode.ToString());
        }

        PublishDuration.Record(elapsed.TotalSeconds, tags);
    }

    public static void RecordConnection(EndpointTags endpoint, bool reconnect)
    {
        var tags = new TagList { MessagingSystem, endpoint.Address, endpoint.Port };
        Connections.Add(1, tags);
        if (reconnect)
        {
            Reconnects.Add(1, tags);
        }
    }

    public static void RecordConnectDuration(TimeSpan elapsed, EndpointTags endpoint, MqttProtocolVersion version, Exception? error)
    {
        var tags = new TagList { MessagingSystem, endpoint.Address, endpoint.Port, { "network.protocol.version", ProtocolVersion(version) } };
        if (error is not null)
        {
            tags.Add("error.type", ErrorType(error));
        }

        ConnectDuration.Record(elapsed.TotalSeconds, tags);
    }

    public static void RecordTlsHandshake(TimeSpan elapsed, string host, int port, System.Security.Authentication.SslProtocols? protocol, Exception? error)
    {
        var tags = new TagList { MessagingSystem, { "server.address", host }, { "server.port", port } };
        if (protocol is { } p && TlsVersion(p) is { } version)
        {
            tags.Add("tls.protocol.version", version);
        }

        if (error is not null)
        {
            tags.Add("error.type", ErrorType(error));
        }

        TlsHandshakeDuration.Record(elapsed.TotalSeconds, tags);
    }

    public static void RecordProtocolError(MqttProtocolException violation, EndpointTags endpoint) =>
        ProtocolErrors.Add(1, new TagList { MessagingSystem, { "error.type", violation.ReasonCode.ToString() }, endpoint.Address, endpoint.Port });

    /// <summary>A message dropped or refused by a queue; <paramref name="reason"/> is one of the documented error.type values.</summary>
    public static void RecordDropped(bool offline, string reason) =>
        DroppedMessages.Add(1, new TagList { MessagingSystem, offline ? s_offlineQueue : s_incomingQueue, { "error.type", reason } });

    /// <summary>
    /// error.type: low-cardinality and specific. The reason code of a refusal or violation, the kind of a TLS failure,
    /// "timeout", or the exception's type name when nothing more specific is known.
    /// </summary>
    public static string ErrorType(Exception error) => error switch
    {
        MqttTlsException tls => tls.Kind.ToString(),
        MqttConnectionRefusedException refused => refused.ReasonCode.ToString(),
        MqttProtocolException violation => violation.ReasonCode.ToString(),
        MqttConnectionLostException { DisconnectReasonCode: { } code } => code.ToString(),
        MqttTimeoutException => "timeout",
        OperationCanceledException => "cancelled",
        _ => error.GetType().FullName ?? error.GetType().Name,
    };

    public static string ProtocolVersion(MqttProtocolVersion version) => version == MqttProtocolVersion.V500 ? "5" : "3.1.1";

    private static string? TlsVersion(System.Security.Authentication.SslProtocols protocol) => protocol switch
    {
        System.Security.Authentication.SslProtocols.Tls13 => "1.3",
        System.Security.Authentication.SslProtocols.Tls12 => "1.2",
        _ => null,
    };

    private static Measurement<long>[] ObserveStates()
    {
        var counts = new long[s_stateNames.Length];
        foreach (var (client, _) in s_clients)
        {
            var state = (int)client.State;
            if (state < counts.Length)
            {
                counts[state]++;
            }
        }

        // Every state is reported, zero included, so a dashboard's "connected" series does not vanish on a loss.
        var measurements = new Measurement<long>[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            measurements[i] = new Measurement<long>(counts[i], MessagingSystem, new KeyValuePair<string, object?>("mqtt.client.state", s_stateNames[i]));
        }

        return measurements;
    }

    private static Measurement<long> ObserveInFlight()
    {
        long total = 0;
        foreach (var (client, _) in s_clients)
        {
            total += client.Session.OutgoingCount;
        }

        return new Measurement<long>(total, MessagingSystem);
    }

    private static Measurement<long>[] ObserveQueued()
    {
        long offline = 0, incoming = 0;
        foreach (var (client, _) in s_clients)
        {
            offline += client.Queue.Count;
            incoming += client.IncomingCount;
        }

        return [new Measurement<long>(offline, MessagingSystem, s_offlineQueue), new Measurement<long>(incoming, MessagingSystem, s_incomingQueue)];
    }
}

/// <summary>
/// The server.address and server.port tags of one endpoint, made once per connection: the port boxed once, not per
/// measurement.
/// </summary>
internal sealed class EndpointTags(string host, int port)
{
    public KeyValuePair<string, object?> Address { get; } = new("server.address", host);

    public KeyValuePair<string, object?> Port { get; } = new("server.port", port);

    public string Host => host;

    public int PortNumber => port;
}
