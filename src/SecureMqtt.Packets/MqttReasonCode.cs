namespace SecureMqtt.Packets;

/// <summary>
/// MQTT 5 reason codes (specification section 2.4). MQTT 3.1.1 CONNACK return codes and SUBACK failure are mapped
/// onto these by the codec so callers handle one set.
/// </summary>
#pragma warning disable CA1069 // The specification gives 0x00 three names depending on the packet; the aliases are deliberate.
public enum MqttReasonCode : byte
{
    /// <summary>0x00: success (CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH).</summary>
    Success = 0x00,

    /// <summary>0x00: normal disconnection (DISCONNECT).</summary>
    NormalDisconnection = 0x00,

    /// <summary>0x00: granted QoS 0 (SUBACK).</summary>
    GrantedQoS0 = 0x00,

    /// <summary>0x01: granted QoS 1 (SUBACK).</summary>
    GrantedQoS1 = 0x01,

    /// <summary>0x02: granted QoS 2 (SUBACK).</summary>
    GrantedQoS2 = 0x02,

    /// <summary>0x04: disconnect with Will Message (DISCONNECT).</summary>
    DisconnectWithWillMessage = 0x04,

    /// <summary>0x10: no matching subscribers (PUBACK, PUBREC).</summary>
    NoMatchingSubscribers = 0x10,

    /// <summary>0x11: no subscription existed (UNSUBACK).</summary>
    NoSubscriptionExisted = 0x11,

    /// <summary>0x18: continue authentication (AUTH).</summary>
    ContinueAuthentication = 0x18,

    /// <summary>0x19: re-authenticate (AUTH).</summary>
    ReAuthenticate = 0x19,

    /// <summary>0x80: unspecified error (also the MQTT 3.1.1 SUBACK failure).</summary>
    UnspecifiedError = 0x80,

    /// <summary>0x81: malformed packet.</summary>
    MalformedPacket = 0x81,

    /// <summary>0x82: protocol error.</summary>
    ProtocolError = 0x82,

    /// <summary>0x83: implementation specific error.</summary>
    ImplementationSpecificError = 0x83,

    /// <summary>0x84: unsupported protocol version (MQTT 3.1.1 CONNACK return code 1).</summary>
    UnsupportedProtocolVersion = 0x84,

    /// <summary>0x85: client identifier not valid (MQTT 3.1.1 CONNACK return code 2).</summary>
    ClientIdentifierNotValid = 0x85,

    /// <summary>0x86: bad user name or password (MQTT 3.1.1 CONNACK return code 4).</summary>
    BadUserNameOrPassword = 0x86,

    /// <summary>0x87: not authorized (MQTT 3.1.1 CONNACK return code 5).</summary>
    NotAuthorized = 0x87,

    /// <summary>0x88: server unavailable (MQTT 3.1.1 CONNACK return code 3).</summary>
    ServerUnavailable = 0x88,

    /// <summary>0x89: server busy.</summary>
    ServerBusy = 0x89,

    /// <summary>0x8A: banned.</summary>
    Banned = 0x8A,

    /// <summary>0x8B: server shutting down.</summary>
    ServerShuttingDown = 0x8B,

    /// <summary>0x8C: bad authentication method.</summary>
    BadAuthenticationMethod = 0x8C,

    /// <summary>0x8D: keep alive timeout.</summary>
    KeepAliveTimeout = 0x8D,

    /// <summary>0x8E: session taken over.</summary>
    SessionTakenOver = 0x8E,

    /// <summary>0x8F: topic filter invalid.</summary>
    TopicFilterInvalid = 0x8F,

    /// <summary>0x90: topic name invalid.</summary>
    TopicNameInvalid = 0x90,

    /// <summary>0x91: packet identifier in use.</summary>
    PacketIdentifierInUse = 0x91,

    /// <summary>0x92: packet identifier not found.</summary>
    PacketIdentifierNotFound = 0x92,

    /// <summary>0x93: receive maximum exceeded.</summary>
    ReceiveMaximumExceeded = 0x93,

    /// <summary>0x94: topic alias invalid.</summary>
    TopicAliasInvalid = 0x94,

    /// <summary>0x95: packet too large.</summary>
    PacketTooLarge = 0x95,

    /// <summary>0x96: message rate too high.</summary>
    MessageRateTooHigh = 0x96,

    /// <summary>0x97: quota exceeded.</summary>
    QuotaExceeded = 0x97,

    /// <summary>0x98: administrative action.</summary>
    AdministrativeAction = 0x98,

    /// <summary>0x99: payload format invalid.</summary>
    PayloadFormatInvalid = 0x99,

    /// <summary>0x9A: retain not supported.</summary>
    RetainNotSupported = 0x9A,

    /// <summary>0x9B: QoS not supported.</summary>
    QoSNotSupported = 0x9B,

    /// <summary>0x9C: use another server.</summary>
    UseAnotherServer = 0x9C,

    /// <summary>0x9D: server moved.</summary>
    ServerMoved = 0x9D,

    /// <summary>0x9E: shared subscriptions not supported.</summary>
    SharedSubscriptionsNotSupported = 0x9E,

    /// <summary>0x9F: connection rate exceeded.</summary>
    ConnectionRateExceeded = 0x9F,

    /// <summary>0xA0: maximum connect time.</summary>
    MaximumConnectTime = 0xA0,

    /// <summary>0xA1: subscription identifiers not supported.</summary>
    SubscriptionIdentifiersNotSupported = 0xA1,

    /// <summary>0xA2: wildcard subscriptions not supported.</summary>
    WildcardSubscriptionsNotSupported = 0xA2,
}
#pragma warning restore CA1069
