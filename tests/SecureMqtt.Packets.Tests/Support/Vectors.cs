using static SecureMqtt.Packets.MqttProtocolVersion;

namespace SecureMqtt.Packets.Tests.Support;

/// <summary>
/// Byte-exact packets worked out by hand from the specifications' layouts (not produced by our encoder), with the
/// packet each one means. Properties appear in ascending identifier order, the order our encoder writes them.
/// </summary>
internal sealed record Vector(string Name, MqttProtocolVersion Version, string Hex, MqttPacket Packet, bool DecodeOnly = false)
{
    public byte[] Bytes => Support.Bytes.Parse(Hex);

    public override string ToString() => Name;
}

internal static class Vectors
{
    private static readonly byte[] Hi = "hi"u8.ToArray();

    public static readonly IReadOnlyList<Vector> All =
    [
        // CONNECT 3.1.1: flags 0xEE = user name, password, will retain, will QoS 1, will, clean session. RL 31.
        new("CONNECT 3.1.1 with will, user name and password", V311,
            "10 1F 00 04 'MQTT' 04 EE 00 3C 00 02 'c1' 00 03 'w/t' 00 03 'bye' 00 01 'u' 00 02 'pw'",
            new MqttConnectPacket
            {
                ProtocolVersion = V311, ClientId = "c1", CleanStart = true, KeepAliveSeconds = 60,
                Will = new MqttWill { Topic = "w/t", Payload = "bye"u8.ToArray(), QualityOfService = MqttQualityOfService.AtLeastOnce, Retain = true },
                Username = "u", Password = "pw"u8.ToArray(),
            }),
        new("CONNECT 3.1.1 minimal", V311,
            "10 0C 00 04 'MQTT' 04 00 00 00 00 00",
            new MqttConnectPacket { ProtocolVersion = V311 }),

        // CONNECT 5.0: flags 0xC6 = user name, password, will (QoS 0), clean start. Properties (15 bytes):
        // Session Expiry 3600, Receive Maximum 20, User Property k=v. Will properties (7): Payload Format 1, Will Delay 5.
        new("CONNECT 5.0 with will, user name, password and properties", V500,
            "10 32 00 04 'MQTT' 05 C6 00 1E 0F 11 00 00 0E 10 21 00 14 26 00 01 'k' 00 01 'v' 00 02 'c1'"
            + " 07 01 01 18 00 00 00 05 00 01 'w' 00 01 'x' 00 01 'u' 00 01 'p'",
            new MqttConnectPacket
            {
                ProtocolVersion = V500, ClientId = "c1", CleanStart = true, KeepAliveSeconds = 30,
                SessionExpiryInterval = 3600, ReceiveMaximum = 20, UserProperties = [new("k", "v")],
                Will = new MqttWill { Topic = "w", Payload = "x"u8.ToArray(), PayloadFormatIndicator = MqttPayloadFormatIndicator.Utf8, WillDelayInterval = 5 },
                Username = "u", Password = "p"u8.ToArray(),
            }),
        new("CONNECT 5.0 with authentication method and data", V500,
            "10 1F 00 04 'MQTT' 05 00 00 00 12 15 00 05 'SCRAM' 16 00 02 01 02 27 00 00 10 00 00 00",
            new MqttConnectPacket
            {
                ProtocolVersion = V500, AuthenticationMethod = "SCRAM", AuthenticationData = new byte[] { 1, 2 }, MaximumPacketSize = 4096,
            }),

        new("CONNACK 3.1.1 accepted with session present", V311, "20 02 01 00",
            new MqttConnAckPacket { SessionPresent = true, ReasonCode = MqttReasonCode.Success }),
        new("CONNACK 3.1.1 not authorized (return code 5)", V311, "20 02 00 05",
            new MqttConnAckPacket { ReasonCode = MqttReasonCode.NotAuthorized }),
        new("CONNACK 3.1.1 bad user name or password (return code 4)", V311, "20 02 00 04",
            new MqttConnAckPacket { ReasonCode = MqttReasonCode.BadUserNameOrPassword }),
        // CONNACK 5.0 properties (14): Assigned Client Identifier "abc", Receive Maximum 10, Topic Alias Maximum 5, Maximum QoS 1.
        new("CONNACK 5.0 with properties", V500,
            "20 11 00 00 0E 12 00 03 'abc' 21 00 0A 22 00 05 24 01",
            new MqttConnAckPacket
            {
                ReasonCode = MqttReasonCode.Success, AssignedClientIdentifier = "abc", ReceiveMaximum = 10,
                TopicAliasMaximum = 5, MaximumQoS = MqttQualityOfService.AtLeastOnce,
            }),
        new("CONNACK 5.0 refused with reason string", V500,
            "20 09 00 87 06 1F 00 03 'bad'",
            new MqttConnAckPacket { ReasonCode = MqttReasonCode.NotAuthorized, ReasonString = "bad" }),

        new("PUBLISH 3.1.1 QoS 0", V311, "30 07 00 03 'a/b' 'hi'",
            new MqttPublishPacket { Topic = "a/b", Payload = Hi }),
        new("PUBLISH 3.1.1 QoS 1 retained", V311, "33 09 00 03 'a/b' 00 0A 'hi'",
            new MqttPublishPacket { Topic = "a/b", Payload = Hi, QualityOfService = MqttQualityOfService.AtLeastOnce, Retain = true, PacketId = 10 }),
        new("PUBLISH 3.1.1 QoS 2 duplicate with empty payload", V311, "3C 07 00 03 'a/b' 12 34",
            new MqttPublishPacket { Topic = "a/b", QualityOfService = MqttQualityOfService.ExactlyOnce, Duplicate = true, PacketId = 0x1234 }),
        new("PUBLISH 5.0 QoS 0 without properties", V500, "30 08 00 03 'a/b' 00 'hi'",
            new MqttPublishPacket { Topic = "a/b", Payload = Hi }),
        // Properties (38): Payload Format 1, Message Expiry 60, Content Type "text", Response Topic "r/1",
        // Correlation Data CAFE, Subscription Identifier 129 (81 01), Topic Alias 7, User Property a=b.
        new("PUBLISH 5.0 QoS 1 with every property", V500,
            "32 30 00 03 'a/b' 00 01 26 01 01 02 00 00 00 3C 03 00 04 'text' 08 00 03 'r/1' 09 00 02 CA FE 0B 81 01"
            + " 23 00 07 26 00 01 'a' 00 01 'b' 'hi'",
            new MqttPublishPacket
            {
                Topic = "a/b", Payload = Hi, QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 1,
                PayloadFormatIndicator = MqttPayloadFormatIndicator.Utf8, MessageExpiryInterval = 60, ContentType = "text",
                ResponseTopic = "r/1", CorrelationData = new byte[] { 0xCA, 0xFE }, SubscriptionIdentifiers = [129u],
                TopicAlias = 7, UserProperties = [new("a", "b")],
            }),
        new("PUBLISH 5.0 QoS 2 with topic alias and empty topic", V500, "34 09 00 00 00 05 03 23 00 01 'x'",
            new MqttPublishPacket
            {
                Topic = "", Payload = "x"u8.ToArray(), QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 5, TopicAlias = 1,
            }),
        new("PUBLISH 5.0 with two subscription identifiers", V500, "30 0A 00 01 't' 04 0B 01 0B 02 'hi'",
            new MqttPublishPacket { Topic = "t", Payload = Hi, SubscriptionIdentifiers = [1u, 2u] }),

        new("PUBACK 3.1.1", V311, "40 02 00 0A", Ack(MqttPacketType.PubAck, 10)),
        new("PUBREC 3.1.1", V311, "50 02 00 0A", Ack(MqttPacketType.PubRec, 10)),
        new("PUBREL 3.1.1", V311, "62 02 00 0A", Ack(MqttPacketType.PubRel, 10)),
        new("PUBCOMP 3.1.1", V311, "70 02 00 0A", Ack(MqttPacketType.PubComp, 10)),
        new("PUBACK 5.0 short form for Success", V500, "40 02 00 0A", Ack(MqttPacketType.PubAck, 10)),
        new("PUBACK 5.0 reason code without properties", V500, "40 03 00 0A 10", Ack(MqttPacketType.PubAck, 10, MqttReasonCode.NoMatchingSubscribers)),
        new("PUBACK 5.0 reason code with empty property length", V500, "40 04 00 0A 00 00", Ack(MqttPacketType.PubAck, 10), DecodeOnly: true),
        new("PUBREC 5.0 with reason string", V500, "50 0B 00 0A 80 07 1F 00 04 'oops'",
            new MqttAckPacket(new MqttAck(MqttPacketType.PubRec, 10, MqttReasonCode.UnspecifiedError) { ReasonString = "oops" })),
        new("PUBREL 5.0 packet identifier not found", V500, "62 03 00 0A 92", Ack(MqttPacketType.PubRel, 10, MqttReasonCode.PacketIdentifierNotFound)),
        new("PUBREL 5.0 short form", V500, "62 02 01 00", Ack(MqttPacketType.PubRel, 256)),
        new("PUBCOMP 5.0 with user property", V500, "70 0B 00 0B 00 07 26 00 01 'k' 00 01 'v'",
            new MqttAckPacket(new MqttAck(MqttPacketType.PubComp, 11) { UserProperties = [new("k", "v")] })),

        new("SUBSCRIBE 3.1.1 two filters", V311, "82 0E 00 01 00 03 'a/+' 01 00 03 'b/#' 02",
            new MqttSubscribePacket
            {
                PacketId = 1,
                Subscriptions = [new("a/+", MqttQualityOfService.AtLeastOnce), new("b/#", MqttQualityOfService.ExactlyOnce)],
            }),
        // Options 0x2D = Retain Handling 2, Retain As Published, No Local, QoS 1; 0x10 = Retain Handling 1, QoS 0.
        new("SUBSCRIBE 5.0 with options and properties", V500,
            "82 1F 00 02 09 0B 05 26 00 01 'k' 00 01 'v' 00 03 'a/b' 2D 00 0A '$share/g/c' 10",
            new MqttSubscribePacket
            {
                PacketId = 2, SubscriptionIdentifier = 5, UserProperties = [new("k", "v")],
                Subscriptions =
                [
                    new("a/b", MqttQualityOfService.AtLeastOnce) { NoLocal = true, RetainAsPublished = true, RetainHandling = MqttRetainHandling.DoNotSend },
                    new("$share/g/c") { RetainHandling = MqttRetainHandling.SendAtSubscribeIfNew },
                ],
            }),

        new("SUBACK 3.1.1 granted and failure", V311, "90 04 00 01 01 80",
            new MqttSubAckPacket { PacketId = 1, ReasonCodes = [MqttReasonCode.GrantedQoS1, MqttReasonCode.UnspecifiedError] }),
        new("SUBACK 5.0 with reason string", V500, "90 0A 00 02 05 1F 00 02 'no' 02 8F",
            new MqttSubAckPacket { PacketId = 2, ReasonString = "no", ReasonCodes = [MqttReasonCode.GrantedQoS2, MqttReasonCode.TopicFilterInvalid] }),

        new("UNSUBSCRIBE 3.1.1", V311, "A2 07 00 03 00 03 'a/b'",
            new MqttUnsubscribePacket { PacketId = 3, TopicFilters = ["a/b"] }),
        new("UNSUBSCRIBE 5.0 two filters", V500, "A2 0B 00 04 00 00 03 'a/b' 00 01 'c'",
            new MqttUnsubscribePacket { PacketId = 4, TopicFilters = ["a/b", "c"] }),

        new("UNSUBACK 3.1.1", V311, "B0 02 00 03", new MqttUnsubAckPacket { PacketId = 3 }),
        new("UNSUBACK 5.0", V500, "B0 05 00 04 00 00 11",
            new MqttUnsubAckPacket { PacketId = 4, ReasonCodes = [MqttReasonCode.Success, MqttReasonCode.NoSubscriptionExisted] }),

        new("PINGREQ 3.1.1", V311, "C0 00", MqttPingReqPacket.Instance),
        new("PINGREQ 5.0", V500, "C0 00", MqttPingReqPacket.Instance),
        new("PINGRESP 3.1.1", V311, "D0 00", MqttPingRespPacket.Instance),
        new("PINGRESP 5.0", V500, "D0 00", MqttPingRespPacket.Instance),

        new("DISCONNECT 3.1.1", V311, "E0 00", new MqttDisconnectPacket()),
        new("DISCONNECT 5.0 normal short form", V500, "E0 00", new MqttDisconnectPacket()),
        new("DISCONNECT 5.0 reason code only", V500, "E0 01 04", new MqttDisconnectPacket { ReasonCode = MqttReasonCode.DisconnectWithWillMessage }),
        new("DISCONNECT 5.0 with server reference and reason string", V500, "E0 0C 9C 0A 1C 00 01 's' 1F 00 03 'bye'",
            new MqttDisconnectPacket { ReasonCode = MqttReasonCode.UseAnotherServer, ServerReference = "s", ReasonString = "bye" }),

        new("AUTH 5.0 success short form", V500, "F0 00", new MqttAuthPacket()),
        new("AUTH 5.0 continue with method and data", V500, "F0 0F 18 0D 15 00 05 'SCRAM' 16 00 02 01 02",
            new MqttAuthPacket
            {
                ReasonCode = MqttReasonCode.ContinueAuthentication, AuthenticationMethod = "SCRAM", AuthenticationData = new byte[] { 1, 2 },
            }),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var vector in All)
        {
            data.Add(vector.Name);
        }

        return data;
    }

    public static Vector Get(string name) => All.Single(v => v.Name == name);

    private static MqttAckPacket Ack(MqttPacketType type, ushort id, MqttReasonCode code = MqttReasonCode.Success) => new(new MqttAck(type, id, code));
}
