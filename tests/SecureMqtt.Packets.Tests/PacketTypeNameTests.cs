using SecureMqtt.Packets;

namespace SecureMqtt.Packets.Tests;

public class PacketTypeNameTests
{
    [Theory]
    [InlineData(MqttPacketType.Connect, "CONNECT")]
    [InlineData(MqttPacketType.PubAck, "PUBACK")]
    [InlineData(MqttPacketType.PubComp, "PUBCOMP")]
    [InlineData(MqttPacketType.Unsubscribe, "UNSUBSCRIBE")]
    [InlineData(MqttPacketType.UnsubAck, "UNSUBACK")]
    [InlineData(MqttPacketType.PingResp, "PINGRESP")]
    [InlineData(MqttPacketType.Auth, "AUTH")]
    public void Names_packets_as_the_specification_spells_them(MqttPacketType type, string expected) =>
        Assert.Equal(expected, type.ToSpecificationName());

    [Fact]
    public void A_value_the_specification_does_not_define_is_called_reserved() =>
        Assert.Equal("reserved packet type", ((MqttPacketType)0).ToSpecificationName());
}
