using System.Buffers;
using static SecureMqtt.Packets.MqttProtocolVersion;

namespace SecureMqtt.Packets.Tests;

/// <summary>Packets that could never be valid on the wire are the caller's bug: ArgumentException, nothing written.</summary>
public class EncoderValidationTests
{
    public static TheoryData<string, MqttPacket, MqttProtocolVersion> Invalid => new()
    {
        { "QoS 1 PUBLISH without packet id", new MqttPublishPacket { Topic = "t", QualityOfService = MqttQualityOfService.AtLeastOnce }, V311 },
        { "QoS 0 PUBLISH marked duplicate", new MqttPublishPacket { Topic = "t", Duplicate = true }, V500 },
        { "PUBLISH topic with wildcard", new MqttPublishPacket { Topic = "a/+" }, V500 },
        { "PUBLISH 3.1.1 with empty topic", new MqttPublishPacket { Topic = "" }, V311 },
        { "PUBLISH 5.0 with empty topic and no alias", new MqttPublishPacket { Topic = "" }, V500 },
        { "PUBLISH with topic alias 0", new MqttPublishPacket { Topic = "t", TopicAlias = 0 }, V500 },
        { "PUBLISH topic of 65536 UTF-8 bytes", new MqttPublishPacket { Topic = new string('a', 65_536) }, V311 },
        { "PUBLISH topic with U+0000", new MqttPublishPacket { Topic = "a\0b" }, V311 },
        { "PUBLISH topic with an unpaired surrogate", new MqttPublishPacket { Topic = "a\ud800" }, V311 },
        { "PUBLISH with subscription identifier 0", new MqttPublishPacket { Topic = "t", SubscriptionIdentifiers = [0u] }, V500 },
        { "SUBSCRIBE without packet id", new MqttSubscribePacket { Subscriptions = [new("a")] }, V311 },
        { "SUBSCRIBE without filters", new MqttSubscribePacket { PacketId = 1 }, V500 },
        { "SUBSCRIBE with invalid filter", new MqttSubscribePacket { PacketId = 1, Subscriptions = [new("a/#/b")] }, V500 },
        { "UNSUBSCRIBE without filters", new MqttUnsubscribePacket { PacketId = 1 }, V311 },
        { "CONNECT 3.1.1 password without user name", new MqttConnectPacket { ProtocolVersion = V311, Password = new byte[] { 1 } }, V311 },
        { "CONNECT with receive maximum 0", new MqttConnectPacket { ReceiveMaximum = 0 }, V500 },
        { "CONNECT with wildcard will topic", new MqttConnectPacket { Will = new MqttWill { Topic = "#" } }, V500 },
        { "CONNACK 3.1.1 with a reason that has no return code", new MqttConnAckPacket { ReasonCode = MqttReasonCode.Banned }, V311 },
        { "AUTH under 3.1.1", new MqttAuthPacket(), V311 },
        { "AUTH with data but no method", new MqttAuthPacket { ReasonCode = MqttReasonCode.ContinueAuthentication, AuthenticationData = new byte[] { 1 } }, V500 },
        { "PUBACK with packet id 0", new MqttAckPacket(new MqttAck(MqttPacketType.PubAck, 0)), V500 },
        { "SUBACK 3.1.1 with an MQTT 5 reason code", new MqttSubAckPacket { PacketId = 1, ReasonCodes = [MqttReasonCode.QuotaExceeded] }, V311 },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Refuses_to_encode_a_packet_that_cannot_be_valid(string description, MqttPacket packet, MqttProtocolVersion version)
    {
        var output = new ArrayBufferWriter<byte>();

        var ex = Assert.ThrowsAny<ArgumentException>(() => MqttPacketWriter.Write(output, packet, version));

        Assert.False(string.IsNullOrEmpty(ex.Message), description);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Ack_constructor_refuses_a_type_that_is_not_an_acknowledgement()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MqttAck(MqttPacketType.Publish, 1));
    }
}
