using FsCheck;
using FsCheck.Fluent;
using static SecureMqtt.Packets.MqttProtocolVersion;

namespace SecureMqtt.Packets.Tests.Support;

/// <summary>
/// FsCheck generators of packets that are valid on the wire for a given protocol version: MQTT 5-only members
/// are left absent under 3.1.1 (the encoder drops them), and every value respects the rules the decoder enforces.
/// </summary>
internal static class PacketGenerators
{
    // UTF-16 units chosen to exercise 1-, 2-, 3- and 4-byte UTF-8 sequences, separators and spaces.
    private static readonly string[] TextUnits = ["a", "Z", "0", " ", "-", "é", "€", "\U0001F600", "$", "x"];
    private static readonly string[] LevelUnits = ["a", "b", "sensor", "é", "€", "\U0001F600", " ", "", "$x"];

    public static Gen<MqttPacket> Packet(MqttProtocolVersion version)
    {
        var all = new List<Gen<MqttPacket>>
        {
            Connect(version).Select(p => (MqttPacket)p),
            ConnAck(version).Select(p => (MqttPacket)p),
            Publish(version).Select(p => (MqttPacket)p),
            Ack(version).Select(a => (MqttPacket)new MqttAckPacket(a)),
            Subscribe(version).Select(p => (MqttPacket)p),
            SubAck(version).Select(p => (MqttPacket)p),
            Unsubscribe(version).Select(p => (MqttPacket)p),
            UnsubAck(version).Select(p => (MqttPacket)p),
            Gen.Elements<MqttPacket>(MqttPingReqPacket.Instance, MqttPingRespPacket.Instance),
            Disconnect(version).Select(p => (MqttPacket)p),
        };
        if (version == V500)
        {
            all.Add(Auth().Select(p => (MqttPacket)p));
        }

        return Gen.OneOf(all);
    }

    public static Gen<string> Text =>
        Gen.ListOf(Gen.Elements(TextUnits)).Select(units => string.Concat(units));

    public static Gen<string> TopicName =>
        from levels in Gen.NonEmptyListOf(Gen.Elements(LevelUnits))
        let topic = string.Join('/', levels.Take(5))
        select topic.Length == 0 ? "t" : topic;

    public static Gen<string> TopicFilter =>
        from levels in Gen.NonEmptyListOf(Gen.Frequency((4, Gen.Elements(LevelUnits)), (1, Gen.Constant("+"))))
        from multi in Gen.Elements(false, true)
        from share in Gen.Frequency((4, Gen.Constant("")), (1, Gen.Elements("$share/g/", "$share/group-1/")))
        let body = string.Join('/', levels.Take(4)) + (multi ? "/#" : "")
        select share + (body.Length == 0 ? "#" : body);

    public static Gen<ReadOnlyMemory<byte>> Bytes =>
        Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).Select(b => (ReadOnlyMemory<byte>)b);

    public static Gen<ushort> PacketId => Gen.Choose(1, ushort.MaxValue).Select(i => (ushort)i);

    public static Gen<IReadOnlyList<MqttUserProperty>> UserProperties =>
        Gen.Frequency(
            (3, Gen.Constant<IReadOnlyList<MqttUserProperty>>([])),
            (1, Gen.ListOf(Text.Zip(Text, (n, v) => new MqttUserProperty(n, v))).Select(l => (IReadOnlyList<MqttUserProperty>)l.Take(3).ToArray())));

    public static Gen<MqttConnectPacket> Connect(MqttProtocolVersion version) =>
        from clientId in Text
        from clean in Gen.Elements(false, true)
        from keepAlive in Gen.Choose(0, ushort.MaxValue)
        from username in Optional(Text)
        from password in OptionalValue(Bytes)
        from will in Gen.Frequency((1, Gen.Constant<MqttWill?>(null)), (1, Will(version).Select(w => (MqttWill?)w)))
        from v5 in ConnectProperties(version)
        select new MqttConnectPacket
        {
            ProtocolVersion = version, ClientId = clientId, CleanStart = clean, KeepAliveSeconds = (ushort)keepAlive,
            Username = version == V311 && password is not null ? username ?? "u" : username, Password = password, Will = will,
            SessionExpiryInterval = v5.SessionExpiryInterval, ReceiveMaximum = v5.ReceiveMaximum, MaximumPacketSize = v5.MaximumPacketSize,
            TopicAliasMaximum = v5.TopicAliasMaximum, RequestProblemInformation = v5.RequestProblemInformation,
            RequestResponseInformation = v5.RequestResponseInformation, UserProperties = v5.UserProperties,
            AuthenticationMethod = v5.AuthenticationMethod, AuthenticationData = v5.AuthenticationMethod is null ? null : v5.AuthenticationData,
        };

    public static Gen<MqttWill> Will(MqttProtocolVersion version) =>
        from topic in TopicName
        from payload in Bytes
        from qos in Gen.Elements(MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce, MqttQualityOfService.ExactlyOnce)
        from retain in Gen.Elements(false, true)
        from delay in OptionalValue(Gen.Choose(0, int.MaxValue).Select(i => (uint)i))
        from format in OptionalValue(Gen.Elements(MqttPayloadFormatIndicator.Unspecified, MqttPayloadFormatIndicator.Utf8))
        from expiry in OptionalValue(Gen.Choose(0, int.MaxValue).Select(i => (uint)i))
        from contentType in Optional(Text)
        from responseTopic in Optional(TopicName)
        from correlation in OptionalValue(Bytes)
        from users in UserProperties
        let v5 = version == V500
        select new MqttWill
        {
            Topic = topic, Payload = payload, QualityOfService = qos, Retain = retain,
            WillDelayInterval = v5 ? delay : null, PayloadFormatIndicator = v5 ? format : null, MessageExpiryInterval = v5 ? expiry : null,
            ContentType = v5 ? contentType : null, ResponseTopic = v5 ? responseTopic : null, CorrelationData = v5 ? correlation : null,
            UserProperties = v5 ? users : [],
        };

    public static Gen<MqttConnAckPacket> ConnAck(MqttProtocolVersion version) =>
        version == V311
            ? from code in Gen.Elements(MqttReasonCode.Success, MqttReasonCode.UnsupportedProtocolVersion, MqttReasonCode.ClientIdentifierNotValid,
                  MqttReasonCode.ServerUnavailable, MqttReasonCode.BadUserNameOrPassword, MqttReasonCode.NotAuthorized)
              from present in Gen.Elements(false, true)
              select new MqttConnAckPacket { ReasonCode = code, SessionPresent = present && code == MqttReasonCode.Success }
            : from code in Gen.Elements(MqttReasonCode.Success, MqttReasonCode.UnspecifiedError, MqttReasonCode.NotAuthorized, MqttReasonCode.Banned,
                  MqttReasonCode.ServerMoved, MqttReasonCode.QuotaExceeded)
              from present in Gen.Elements(false, true)
              from expiry in OptionalValue(Gen.Choose(0, int.MaxValue).Select(i => (uint)i))
              from receiveMaximum in OptionalValue(Gen.Choose(1, ushort.MaxValue).Select(i => (ushort)i))
              from maximumQos in OptionalValue(Gen.Elements(MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce))
              from flags in Gen.ArrayOf(OptionalValue(Gen.Elements(false, true)), 4)
              from maximumPacketSize in OptionalValue(Gen.Choose(1, int.MaxValue).Select(i => (uint)i))
              from strings in Gen.ArrayOf(Optional(Text), 5)
              from aliasMax in OptionalValue(Gen.Choose(0, ushort.MaxValue).Select(i => (ushort)i))
              from keepAlive in OptionalValue(Gen.Choose(0, ushort.MaxValue).Select(i => (ushort)i))
              from authData in OptionalValue(Bytes)
              from users in UserProperties
              select new MqttConnAckPacket
              {
                  ReasonCode = code, SessionPresent = present && code == MqttReasonCode.Success, SessionExpiryInterval = expiry,
                  ReceiveMaximum = receiveMaximum, MaximumQoS = maximumQos, RetainAvailable = flags[0], MaximumPacketSize = maximumPacketSize,
                  AssignedClientIdentifier = strings[0], TopicAliasMaximum = aliasMax, ReasonString = strings[1], UserProperties = users,
                  WildcardSubscriptionAvailable = flags[1], SubscriptionIdentifiersAvailable = flags[2], SharedSubscriptionAvailable = flags[3],
                  ServerKeepAlive = keepAlive, ResponseInformation = strings[2], ServerReference = strings[3], AuthenticationMethod = strings[4],
                  AuthenticationData = strings[4] is null ? null : authData,
              };

    public static Gen<MqttPublishPacket> Publish(MqttProtocolVersion version) =>
        from topic in TopicName
        from payload in Bytes
        from qos in Gen.Elements(MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce, MqttQualityOfService.ExactlyOnce)
        from retain in Gen.Elements(false, true)
        from dup in Gen.Elements(false, true)
        from id in PacketId
        from format in OptionalValue(Gen.Elements(MqttPayloadFormatIndicator.Unspecified, MqttPayloadFormatIndicator.Utf8))
        from expiry in OptionalValue(Gen.Choose(0, int.MaxValue).Select(i => (uint)i))
        from alias in OptionalValue(Gen.Choose(1, ushort.MaxValue).Select(i => (ushort)i))
        from useAliasOnly in Gen.Elements(false, true)
        from responseTopic in Optional(TopicName)
        from correlation in OptionalValue(Bytes)
        from users in UserProperties
        from subscriptionIds in Gen.ListOf(Gen.Choose(1, VariableByteInteger.MaxValue).Select(i => (uint)i))
        from contentType in Optional(Text)
        let v5 = version == V500
        select new MqttPublishPacket
        {
            Topic = v5 && alias is not null && useAliasOnly ? "" : topic, Payload = payload, QualityOfService = qos, Retain = retain,
            Duplicate = dup && qos != MqttQualityOfService.AtMostOnce, PacketId = qos == MqttQualityOfService.AtMostOnce ? (ushort)0 : id,
            PayloadFormatIndicator = v5 ? format : null, MessageExpiryInterval = v5 ? expiry : null, TopicAlias = v5 ? alias : null,
            ResponseTopic = v5 ? responseTopic : null, CorrelationData = v5 ? correlation : null, UserProperties = v5 ? users : [],
            SubscriptionIdentifiers = v5 ? subscriptionIds.Take(3).ToArray() : [], ContentType = v5 ? contentType : null,
        };

    public static Gen<MqttAck> Ack(MqttProtocolVersion version) =>
        from type in Gen.Elements(MqttPacketType.PubAck, MqttPacketType.PubRec, MqttPacketType.PubRel, MqttPacketType.PubComp)
        from id in PacketId
        from publishCode in Gen.Elements(MqttReasonCode.Success, MqttReasonCode.NoMatchingSubscribers, MqttReasonCode.UnspecifiedError,
            MqttReasonCode.ImplementationSpecificError, MqttReasonCode.NotAuthorized, MqttReasonCode.TopicNameInvalid,
            MqttReasonCode.PacketIdentifierInUse, MqttReasonCode.QuotaExceeded, MqttReasonCode.PayloadFormatInvalid)
        from releaseCode in Gen.Elements(MqttReasonCode.Success, MqttReasonCode.PacketIdentifierNotFound)
        from reason in Optional(Text)
        from users in UserProperties
        let v5 = version == V500
        let code = !v5 ? MqttReasonCode.Success : type is MqttPacketType.PubAck or MqttPacketType.PubRec ? publishCode : releaseCode
        select v5 ? new MqttAck(type, id, code) { ReasonString = reason, UserProperties = users } : new MqttAck(type, id, code);

    public static Gen<MqttSubscribePacket> Subscribe(MqttProtocolVersion version) =>
        from id in PacketId
        from subscriptions in Gen.NonEmptyListOf(Subscription(version))
        from subscriptionId in OptionalValue(Gen.Choose(1, VariableByteInteger.MaxValue).Select(i => (uint)i))
        from users in UserProperties
        let v5 = version == V500
        select new MqttSubscribePacket
        {
            PacketId = id, Subscriptions = subscriptions.Take(5).ToArray(),
            SubscriptionIdentifier = v5 ? subscriptionId : null, UserProperties = v5 ? users : [],
        };

    public static Gen<MqttSubscription> Subscription(MqttProtocolVersion version) =>
        from filter in TopicFilter
        from qos in Gen.Elements(MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce, MqttQualityOfService.ExactlyOnce)
        from noLocal in Gen.Elements(false, true)
        from rap in Gen.Elements(false, true)
        from handling in Gen.Elements(MqttRetainHandling.SendAtSubscribe, MqttRetainHandling.SendAtSubscribeIfNew, MqttRetainHandling.DoNotSend)
        let v5 = version == V500
        select new MqttSubscription(filter, qos)
        {
            NoLocal = v5 && noLocal && !filter.StartsWith("$share/", StringComparison.Ordinal),
            RetainAsPublished = v5 && rap, RetainHandling = v5 ? handling : MqttRetainHandling.SendAtSubscribe,
        };

    public static Gen<MqttSubAckPacket> SubAck(MqttProtocolVersion version) =>
        from id in PacketId
        from codes in Gen.NonEmptyListOf(version == V311
            ? Gen.Elements(MqttReasonCode.GrantedQoS0, MqttReasonCode.GrantedQoS1, MqttReasonCode.GrantedQoS2, MqttReasonCode.UnspecifiedError)
            : Gen.Elements(MqttReasonCode.GrantedQoS0, MqttReasonCode.GrantedQoS2, MqttReasonCode.NotAuthorized, MqttReasonCode.TopicFilterInvalid,
                MqttReasonCode.WildcardSubscriptionsNotSupported, MqttReasonCode.SharedSubscriptionsNotSupported))
        from reason in Optional(Text)
        from users in UserProperties
        let v5 = version == V500
        select new MqttSubAckPacket { PacketId = id, ReasonCodes = codes.ToArray(), ReasonString = v5 ? reason : null, UserProperties = v5 ? users : [] };

    public static Gen<MqttUnsubscribePacket> Unsubscribe(MqttProtocolVersion version) =>
        from id in PacketId
        from filters in Gen.NonEmptyListOf(TopicFilter)
        from users in UserProperties
        select new MqttUnsubscribePacket { PacketId = id, TopicFilters = filters.Take(5).ToArray(), UserProperties = version == V500 ? users : [] };

    public static Gen<MqttUnsubAckPacket> UnsubAck(MqttProtocolVersion version) =>
        from id in PacketId
        from codes in Gen.NonEmptyListOf(Gen.Elements(MqttReasonCode.Success, MqttReasonCode.NoSubscriptionExisted, MqttReasonCode.NotAuthorized,
            MqttReasonCode.TopicFilterInvalid, MqttReasonCode.PacketIdentifierInUse))
        from reason in Optional(Text)
        from users in UserProperties
        let v5 = version == V500
        select new MqttUnsubAckPacket
        {
            PacketId = id, ReasonCodes = v5 ? codes.ToArray() : [], ReasonString = v5 ? reason : null, UserProperties = v5 ? users : [],
        };

    public static Gen<MqttDisconnectPacket> Disconnect(MqttProtocolVersion version) =>
        version == V311
            ? Gen.Constant(new MqttDisconnectPacket())
            : from code in Gen.Elements(MqttReasonCode.NormalDisconnection, MqttReasonCode.DisconnectWithWillMessage, MqttReasonCode.ProtocolError,
                  MqttReasonCode.ServerShuttingDown, MqttReasonCode.KeepAliveTimeout, MqttReasonCode.UseAnotherServer, MqttReasonCode.MaximumConnectTime)
              from expiry in OptionalValue(Gen.Choose(0, int.MaxValue).Select(i => (uint)i))
              from reason in Optional(Text)
              from reference in Optional(Text)
              from users in UserProperties
              select new MqttDisconnectPacket { ReasonCode = code, SessionExpiryInterval = expiry, ReasonString = reason, ServerReference = reference, UserProperties = users };

    public static Gen<MqttAuthPacket> Auth() =>
        from code in Gen.Elements(MqttReasonCode.Success, MqttReasonCode.ContinueAuthentication, MqttReasonCode.ReAuthenticate)
        from method in Optional(Text)
        from data in OptionalValue(Bytes)
        from reason in Optional(Text)
        from users in UserProperties
        select new MqttAuthPacket { ReasonCode = code, AuthenticationMethod = method, AuthenticationData = method is null ? null : data, ReasonString = reason, UserProperties = users };

    private static Gen<ConnectV5> ConnectProperties(MqttProtocolVersion version) =>
        version == V311
            ? Gen.Constant(new ConnectV5(null, null, null, null, null, null, [], null, null))
            : from expiry in OptionalValue(Gen.Choose(0, int.MaxValue).Select(i => (uint)i))
              from receiveMaximum in OptionalValue(Gen.Choose(1, ushort.MaxValue).Select(i => (ushort)i))
              from maximumPacketSize in OptionalValue(Gen.Choose(1, int.MaxValue).Select(i => (uint)i))
              from aliasMaximum in OptionalValue(Gen.Choose(0, ushort.MaxValue).Select(i => (ushort)i))
              from problem in OptionalValue(Gen.Elements(false, true))
              from response in OptionalValue(Gen.Elements(false, true))
              from users in UserProperties
              from method in Optional(Text)
              from data in OptionalValue(Bytes)
              select new ConnectV5(expiry, receiveMaximum, maximumPacketSize, aliasMaximum, problem, response, users, method, data);

    private static Gen<T?> Optional<T>(Gen<T> gen)
        where T : class
        => Gen.Frequency((1, Gen.Constant<T?>(null)), (1, gen.Select(v => (T?)v)));

    private static Gen<T?> OptionalValue<T>(Gen<T> gen)
        where T : struct
        => Gen.Frequency((1, Gen.Constant<T?>(null)), (1, gen.Select(v => (T?)v)));

    private sealed record ConnectV5(
        uint? SessionExpiryInterval, ushort? ReceiveMaximum, uint? MaximumPacketSize, ushort? TopicAliasMaximum,
        bool? RequestProblemInformation, bool? RequestResponseInformation, IReadOnlyList<MqttUserProperty> UserProperties,
        string? AuthenticationMethod, ReadOnlyMemory<byte>? AuthenticationData);
}
