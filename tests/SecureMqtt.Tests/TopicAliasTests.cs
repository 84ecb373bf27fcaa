using SecureMqtt.Packets;
using SecureMqtt.Session;

namespace SecureMqtt.Tests;

public class TopicAliasTests
{
    [Fact]
    public void Inbound_alias_defined_with_a_topic_resolves_later_empty_topics()
    {
        var aliases = new InboundTopicAliases(10);
        Assert.Equal("a/b", aliases.Resolve("a/b", 3));
        Assert.Equal("a/b", aliases.Resolve(string.Empty, 3));
        Assert.Equal("c", aliases.Resolve("c", 3));
        Assert.Equal("c", aliases.Resolve(string.Empty, 3));
        Assert.Equal("x/y", aliases.Resolve("x/y", null));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void Inbound_alias_zero_or_above_our_maximum_is_topic_alias_invalid(ushort alias)
    {
        var aliases = new InboundTopicAliases(10);
        var error = Assert.Throws<MqttProtocolException>(() => aliases.Resolve("a", alias));
        Assert.Equal(MqttReasonCode.TopicAliasInvalid, error.ReasonCode);
    }

    [Fact]
    public void Inbound_alias_never_defined_is_a_protocol_error()
    {
        var aliases = new InboundTopicAliases(10);
        var error = Assert.Throws<MqttProtocolException>(() => aliases.Resolve(string.Empty, 4));
        Assert.Equal(MqttReasonCode.ProtocolError, error.ReasonCode);
    }

    [Fact]
    public void Inbound_empty_topic_without_alias_is_a_protocol_error()
    {
        var aliases = new InboundTopicAliases(10);
        Assert.Equal(MqttReasonCode.ProtocolError, Assert.Throws<MqttProtocolException>(() => aliases.Resolve(string.Empty, null)).ReasonCode);
    }

    [Fact]
    public void Outbound_aliases_define_once_then_send_alias_only_within_the_broker_maximum()
    {
        var aliases = new OutboundTopicAliases(2);
        Assert.Equal(("a", (ushort?)1), aliases.Apply("a"));
        Assert.Equal((string.Empty, (ushort?)1), aliases.Apply("a"));
        Assert.Equal(("b", (ushort?)2), aliases.Apply("b"));
        Assert.Equal(("c", (ushort?)null), aliases.Apply("c"));
        Assert.Equal((string.Empty, (ushort?)2), aliases.Apply("b"));
    }

    [Fact]
    public void Outbound_aliases_are_off_when_the_broker_allows_none()
    {
        var aliases = new OutboundTopicAliases(0);
        Assert.Equal(("a", (ushort?)null), aliases.Apply("a"));
        Assert.Equal(("a", (ushort?)null), aliases.Apply("a"));
    }
}
