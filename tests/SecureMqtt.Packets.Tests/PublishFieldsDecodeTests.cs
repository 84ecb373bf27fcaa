using System.Buffers;
using SecureMqtt.Packets.Tests.Support;

namespace SecureMqtt.Packets.Tests;

/// <summary>
/// <see cref="MqttPacketReader.DecodePublishFields"/>: the same packet as <see cref="MqttPacketReader.DecodePublish"/>
/// with the payload left in the frame, and topic strings reused through <see cref="MqttTopicCache"/>.
/// </summary>
public class PublishFieldsDecodeTests
{
    private static readonly MqttPublishPacket Plain = new()
    {
        Topic = "sensors/kitchen/temperature", Payload = "21.5"u8.ToArray(), QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 7, Retain = true,
    };

    private static readonly MqttPublishPacket WithProperties = new()
    {
        Topic = "sensors/ü/hall", Payload = new byte[300], QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 65_535, Duplicate = true,
        MessageExpiryInterval = 30, ContentType = "application/json", ResponseTopic = "replies/1", CorrelationData = new byte[] { 1, 2, 3 },
        UserProperties = [new("k", "v"), new("k", "w")], SubscriptionIdentifiers = [5, 268_435_455], PayloadFormatIndicator = MqttPayloadFormatIndicator.Utf8,
    };

    public static TheoryData<string, MqttProtocolVersion> Cases => new()
    {
        { nameof(Plain), MqttProtocolVersion.V311 },
        { nameof(Plain), MqttProtocolVersion.V500 },
        { nameof(WithProperties), MqttProtocolVersion.V500 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decodes_what_DecodePublish_decodes_whole_or_one_byte_per_segment(string name, MqttProtocolVersion version)
    {
        var packet = name == nameof(Plain) ? Plain : WithProperties;
        var bytes = Encode(packet, version);
        foreach (var buffer in new[] { new ReadOnlySequence<byte>(bytes), Bytes.OneBytePerSegment(bytes) })
        {
            var expected = MqttPacketReader.DecodePublish(Frame(buffer), version);
            var fields = MqttPacketReader.DecodePublishFields(Frame(buffer), version, new MqttTopicCache(), out var payload);

            Assert.True(fields.Payload.IsEmpty);
            Assert.Equal(expected.Payload.ToArray(), payload.ToArray());
            PacketDescriber.AssertEqual(expected, new MqttPublishPacket
            {
                Topic = fields.Topic, Payload = expected.Payload, QualityOfService = fields.QualityOfService, Retain = fields.Retain,
                Duplicate = fields.Duplicate, PacketId = fields.PacketId, PayloadFormatIndicator = fields.PayloadFormatIndicator,
                MessageExpiryInterval = fields.MessageExpiryInterval, TopicAlias = fields.TopicAlias, ResponseTopic = fields.ResponseTopic,
                CorrelationData = fields.CorrelationData, UserProperties = fields.UserProperties,
                SubscriptionIdentifiers = fields.SubscriptionIdentifiers, ContentType = fields.ContentType,
            });
        }
    }

    [Fact]
    public void A_repeated_topic_comes_back_as_the_same_string_and_another_topic_as_its_own()
    {
        var cache = new MqttTopicCache();
        var first = DecodeTopic("a/b", cache);
        var again = DecodeTopic("a/b", cache);
        var other = DecodeTopic("a/c", cache);

        Assert.Equal("a/b", first);
        Assert.Same(first, again);
        Assert.Equal("a/c", other);
        Assert.NotSame(first, DecodeTopic("a/b", cache: null));
    }

    [Fact]
    public void A_topic_split_across_segments_is_decoded_and_checked_without_the_cache()
    {
        var cache = new MqttTopicCache();
        var bytes = Encode(new MqttPublishPacket { Topic = "split/topic" }, MqttProtocolVersion.V311);
        var fields = MqttPacketReader.DecodePublishFields(Frame(Bytes.OneBytePerSegment(bytes)), MqttProtocolVersion.V311, cache, out _);
        Assert.Equal("split/topic", fields.Topic);

        var wildcard = Bytes.Parse("30 05 00 03 61 2F 23"); // topic "a/#"
        var ex = Assert.Throws<MqttProtocolException>(() =>
            MqttPacketReader.DecodePublishFields(Frame(Bytes.OneBytePerSegment(wildcard)), MqttProtocolVersion.V311, cache, out _));
        Assert.Equal(MqttReasonCode.TopicNameInvalid, ex.ReasonCode);
    }

    [Fact]
    public void Topics_sharing_a_slot_replace_each_other_and_an_invalid_topic_is_still_refused()
    {
        // One slot: every topic lands in it, so each decode either hits the one remembered topic or replaces it.
        var cache = new MqttTopicCache(slots: 1);
        Assert.Equal("a/b", DecodeTopic("a/b", cache));
        Assert.Equal("c/d", DecodeTopic("c/d", cache));
        var cd = DecodeTopic("c/d", cache);
        Assert.Same(cd, DecodeTopic("c/d", cache));
        Assert.Equal("a/b", DecodeTopic("a/b", cache));

        var wildcard = Bytes.Parse("30 05 00 03 61 2F 2B"); // topic "a/+"
        Assert.Throws<MqttProtocolException>(() => MqttPacketReader.DecodePublishFields(Frame(new ReadOnlySequence<byte>(wildcard)), MqttProtocolVersion.V311, cache, out _));
        Assert.Throws<MqttProtocolException>(() => MqttPacketReader.DecodePublishFields(Frame(new ReadOnlySequence<byte>(wildcard)), MqttProtocolVersion.V311, cache, out _));
    }

    [Fact]
    public void Two_topics_sharing_a_set_both_stay_and_a_third_replaces_the_older()
    {
        // Two slots are one set: every topic lands in it, whatever the per-process hash seed.
        var cache = new MqttTopicCache(slots: 2);
        var ab = DecodeTopic("a/b", cache);
        var cd = DecodeTopic("c/d", cache);
        Assert.Same(ab, DecodeTopic("a/b", cache));
        Assert.Same(cd, DecodeTopic("c/d", cache));

        // "a/b" was hit last but added first: the third topic takes the older slot's place, which is "a/b"'s.
        var ef = DecodeTopic("e/f", cache);
        Assert.Same(ef, DecodeTopic("e/f", cache));
        Assert.Same(cd, DecodeTopic("c/d", cache));
        Assert.NotSame(ab, DecodeTopic("a/b", cache));
    }

    [Fact]
    public void Topics_longer_than_the_limit_are_decoded_every_time()
    {
        var cache = new MqttTopicCache();
        var topic = new string('t', MqttTopicCache.MaximumTopicLength + 1);
        var first = DecodeTopic(topic, cache);
        Assert.Equal(topic, first);
        Assert.NotSame(first, DecodeTopic(topic, cache));
    }

    [Fact]
    public void Rejects_a_cache_size_out_of_range_and_a_frame_that_is_not_a_publish()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MqttTopicCache(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MqttTopicCache(65_537));
        Assert.Throws<ArgumentException>(() => MqttPacketReader.DecodePublishFields(
            new MqttFrame(MqttPacketType.PubAck, 0, ReadOnlySequence<byte>.Empty, 2), MqttProtocolVersion.V500, null, out _));
    }

    internal static byte[] Encode(MqttPublishPacket packet, MqttProtocolVersion version)
    {
        var output = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(output, packet, version);
        return output.WrittenSpan.ToArray();
    }

    internal static MqttFrame Frame(ReadOnlySequence<byte> buffer)
    {
        Assert.True(MqttPacketReader.TryReadFrame(ref buffer, 1 << 20, out var frame));
        return frame;
    }

    private static string DecodeTopic(string topic, MqttTopicCache? cache)
    {
        var bytes = Encode(new MqttPublishPacket { Topic = topic, Payload = new byte[] { 9 } }, MqttProtocolVersion.V500);
        var fields = MqttPacketReader.DecodePublishFields(Frame(new ReadOnlySequence<byte>(bytes)), MqttProtocolVersion.V500, cache, out var payload);
        Assert.Equal([9], payload.ToArray());
        return fields.Topic;
    }
}
