namespace SecureMqtt.Packets.Tests;

public class TopicTests
{
    [Theory]
    // Section 4.7.1.2: '#' matches the parent level and any number of children.
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/ranking", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true)]
    [InlineData("sport/tennis/#", "sport/tennis", true)]
    [InlineData("sport/tennis/#", "sport/tennis/player1/ranking", true)]
    [InlineData("sport/#", "sport", true)]
    [InlineData("#", "sport/tennis", true)]
    [InlineData("#", "/", true)]
    [InlineData("sport/tennis/#", "sport/tennisplayer1", false)]
    [InlineData("sport/tennis/#", "sport", false)]
    // Section 4.7.1.3: '+' matches exactly one level, which may be empty.
    [InlineData("sport/tennis/+", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1/ranking", false)]
    [InlineData("sport/+", "sport", false)]
    [InlineData("sport/+", "sport/", true)]
    [InlineData("+/+", "/finance", true)]
    [InlineData("/+", "/finance", true)]
    [InlineData("+", "/finance", false)]
    [InlineData("+", "finance", true)]
    [InlineData("+/tennis/#", "sport/tennis/player1", true)]
    [InlineData("a/+/c", "a//c", true)]
    [InlineData("a/+/c", "a/b/d", false)]
    // Exact and case-sensitive matching.
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/b", "A/b", false)]
    [InlineData("a/b", "a/b/", false)]
    [InlineData("a/b/", "a/b", false)]
    // [MQTT-4.7.2-1] Filters starting with a wildcard do not match topics starting with '$'.
    [InlineData("#", "$SYS/broker/uptime", false)]
    [InlineData("+/monitor/Clients", "$SYS/monitor/Clients", false)]
    [InlineData("$SYS/#", "$SYS/monitor/Clients", true)]
    [InlineData("$SYS/monitor/+", "$SYS/monitor/Clients", true)]
    // Section 4.8.2: the $share/{ShareName}/ prefix is not part of the matched filter.
    [InlineData("$share/group/a/+", "a/b", true)]
    [InlineData("$share/group/a/+", "a/b/c", false)]
    [InlineData("$share/group/#", "x/y", true)]
    [InlineData("$share/group/a", "$share/group/a", false)]
    public void Matches_follow_the_specification_examples(string filter, string topic, bool expected)
    {
        Assert.Equal(expected, MqttTopic.Matches(filter, topic));
    }

    [Theory]
    [InlineData("#")]
    [InlineData("+")]
    [InlineData("/")]
    [InlineData("sport/tennis/#")]
    [InlineData("sport/+/player1")]
    [InlineData("+/+")]
    [InlineData("/+")]
    [InlineData("a//b")]
    [InlineData("$SYS/#")]
    [InlineData("$share/group/a/+")]
    [InlineData("$share/g/#")]
    [InlineData("caf\u00e9/\U0001F600")]
    public void Accepts_valid_topic_filters(string filter)
    {
        Assert.True(MqttTopic.IsValidTopicFilter(filter, out var error), error);
    }

    [Theory]
    [InlineData("", "at least one character")]
    [InlineData("a/#/b", "'#'")]
    [InlineData("a#", "'#'")]
    [InlineData("sport/tennis#", "'#'")]
    [InlineData("#/", "'#'")]
    [InlineData("a+/b", "'+'")]
    [InlineData("sport+", "'+'")]
    [InlineData("a/+b", "'+'")]
    [InlineData("a\0b", "U+0000")]
    [InlineData("$share/", "share name")]
    [InlineData("$share//a", "share name")]
    [InlineData("$share/g+/a", "share name")]
    [InlineData("$share/group", "after $share")]
    [InlineData("$share/group/", "after $share")]
    [InlineData("$share/group/a#", "'#'")]
    public void Rejects_invalid_topic_filters(string filter, string reason)
    {
        Assert.False(MqttTopic.IsValidTopicFilter(filter, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_unpaired_surrogates_in_names_and_filters()
    {
        // Built in code: a lone surrogate does not survive xunit's serialisation of inline data.
        var loneHigh = "a" + (char)0xD800;
        var loneLow = (char)0xDC00 + "b";

        Assert.False(MqttTopic.IsValidTopicFilter(loneHigh, out var filterError));
        Assert.Contains("surrogate", filterError, StringComparison.Ordinal);
        Assert.False(MqttTopic.IsValidTopicName(loneLow, out var nameError));
        Assert.Contains("surrogate", nameError, StringComparison.Ordinal);
        Assert.True(MqttTopic.IsValidTopicName("a" + char.ConvertFromUtf32(0x1F600), out _));
    }

    [Fact]
    public void Rejects_a_filter_longer_than_65535_utf8_bytes()
    {
        // 21846 three-byte characters: 65538 UTF-8 bytes from only 21846 UTF-16 chars.
        var filter = new string('\u20ac', 21_846);

        Assert.False(MqttTopic.IsValidTopicFilter(filter, out var error));
        Assert.Contains("65535", error, StringComparison.Ordinal);
        Assert.True(MqttTopic.IsValidTopicFilter(new string('\u20ac', 21_845), out _));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("/")]
    [InlineData("a/b/c")]
    [InlineData("$SYS/x")]
    [InlineData(" ")]
    public void Accepts_valid_topic_names(string topic)
    {
        Assert.True(MqttTopic.IsValidTopicName(topic, out var error), error);
    }

    [Theory]
    [InlineData("", "at least one character")]
    [InlineData("a/+", "'+'")]
    [InlineData("#", "'#'")]
    [InlineData("a\0", "U+0000")]
    public void Rejects_invalid_topic_names(string topic, string reason)
    {
        Assert.False(MqttTopic.IsValidTopicName(topic, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
