using System.Buffers;
using SecureMqtt.Packets.Tests.Support;

namespace SecureMqtt.Packets.Tests;

/// <summary>
/// The per-message hot paths allocate nothing. GC.GetAllocatedBytesForCurrentThread is an exact count, not a timing,
/// so these are deterministic; each path is warmed first so one-time JIT and static initialisation are excluded.
/// </summary>
public class AllocationTests
{
    private const int Iterations = 1_000;

    [Fact]
    public void TryReadFrame_and_DecodeAck_allocate_nothing()
    {
        var bytes = Bytes.Parse("40 02 00 0A 50 03 00 0B 10 62 04 00 0C 92 00 70 02 00 0D");
        var segmented = Bytes.Segmented(bytes, 3, 9, 10);
        var sum = 0;
        Run(bytes, segmented, ref sum);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            Run(bytes, segmented, ref sum);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal((Iterations + 1) * 2 * (10 + 11 + 12 + 13), sum);

        static void Run(byte[] bytes, ReadOnlySequence<byte> segmented, ref int sum)
        {
            var contiguous = new ReadOnlySequence<byte>(bytes);
            while (MqttPacketReader.TryReadFrame(ref contiguous, 1024, out var frame))
            {
                sum += MqttPacketReader.DecodeAck(frame, MqttProtocolVersion.V500).PacketId;
            }

            var split = segmented;
            while (MqttPacketReader.TryReadFrame(ref split, 1024, out var frame))
            {
                sum += MqttPacketReader.DecodeAck(frame, MqttProtocolVersion.V500).PacketId;
            }
        }
    }

    [Fact]
    public void WriteAck_WritePingReq_and_Write_of_a_publish_allocate_nothing()
    {
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        var publish311 = new MqttPublishPacket { Topic = "sensors/kitchen/temperature", Payload = new byte[256], QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 7 };
        var publish5 = new MqttPublishPacket
        {
            Topic = "sensors/kitchen/temperature", Payload = new byte[256], QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 8,
            MessageExpiryInterval = 30, ContentType = "application/json", UserProperties = [new("k", "v")], TopicAlias = 3,
        };
        var ack = new MqttAck(MqttPacketType.PubRec, 9, MqttReasonCode.NoMatchingSubscribers);
        Run(output, publish311, publish5, ack);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            Run(output, publish311, publish5, ack);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(output.WrittenCount > 0);

        static void Run(ArrayBufferWriter<byte> output, MqttPublishPacket publish311, MqttPublishPacket publish5, MqttAck ack)
        {
            output.ResetWrittenCount();
            MqttPacketWriter.Write(output, publish311, MqttProtocolVersion.V311);
            MqttPacketWriter.Write(output, publish5, MqttProtocolVersion.V500);
            MqttPacketWriter.WriteAck(output, ack, MqttProtocolVersion.V500);
            MqttPacketWriter.WriteAck(output, ack, MqttProtocolVersion.V311);
            MqttPacketWriter.WritePingReq(output);
        }
    }

    [Fact]
    public void WritePublish_from_fields_allocates_nothing_and_writes_the_bytes_of_the_packet()
    {
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        var fields = new MqttPublishFields
        {
            Topic = "sensors/kitchen/temperature", Payload = new byte[256], QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 8,
            Duplicate = true, MessageExpiryInterval = 30, ContentType = "application/json", UserProperties = [new("k", "v")], TopicAlias = 3,
        };
        var atMostOnce = new MqttPublishFields { Topic = "a/b", Payload = new byte[] { 1, 2 } };
        Run(output, fields, atMostOnce);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            Run(output, fields, atMostOnce);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // Same bytes as the packet path, and the sizes agree with what was written.
        var packet = new MqttPublishPacket
        {
            Topic = fields.Topic, Payload = fields.Payload, QualityOfService = fields.QualityOfService, PacketId = fields.PacketId, Duplicate = true,
            MessageExpiryInterval = 30, ContentType = "application/json", UserProperties = [new("k", "v")], TopicAlias = 3,
        };
        var expected = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(expected, packet, MqttProtocolVersion.V500);
        MqttPacketWriter.Write(expected, new MqttPublishPacket { Topic = "a/b", Payload = new byte[] { 1, 2 } }, MqttProtocolVersion.V311);
        Assert.Equal(expected.WrittenSpan.ToArray(), output.WrittenSpan.ToArray());
        Assert.Equal(
            expected.WrittenCount,
            MqttPacketWriter.GetPublishSize(fields, MqttProtocolVersion.V500) + MqttPacketWriter.GetPublishSize(atMostOnce, MqttProtocolVersion.V311));

        static void Run(ArrayBufferWriter<byte> output, in MqttPublishFields fields, in MqttPublishFields atMostOnce)
        {
            output.ResetWrittenCount();
            MqttPacketWriter.WritePublish(output, fields, MqttProtocolVersion.V500);
            MqttPacketWriter.WritePublish(output, atMostOnce, MqttProtocolVersion.V311);
        }
    }

    [Fact]
    public void DecodePublishFields_with_a_topic_cache_allocates_nothing_for_a_topic_seen_before()
    {
        var packets = PublishFieldsDecodeTests.Encode(new MqttPublishPacket { Topic = "sensors/kitchen/temperature", Payload = new byte[64] }, MqttProtocolVersion.V500)
            .Concat(PublishFieldsDecodeTests.Encode(new MqttPublishPacket
            {
                Topic = "sensors/hall", Payload = new byte[16], QualityOfService = MqttQualityOfService.AtLeastOnce, PacketId = 3, MessageExpiryInterval = 60,
            }, MqttProtocolVersion.V500))
            .ToArray();
        var cache = new MqttTopicCache();
        long payloadBytes = 0;
        Run(packets, cache, ref payloadBytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            Run(packets, cache, ref payloadBytes);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal((Iterations + 1) * (64 + 16), payloadBytes);

        static void Run(byte[] packets, MqttTopicCache cache, ref long payloadBytes)
        {
            var buffer = new ReadOnlySequence<byte>(packets);
            while (MqttPacketReader.TryReadFrame(ref buffer, 1024, out var frame))
            {
                MqttPacketReader.DecodePublishFields(frame, MqttProtocolVersion.V500, cache, out var payload);
                payloadBytes += payload.Length;
            }
        }
    }

    [Fact]
    public void Decoding_a_publish_allocates_only_what_the_application_keeps()
    {
        var bytes = Vectors.Get("PUBLISH 3.1.1 QoS 1 retained").Bytes;
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(MqttPacketReader.TryReadFrame(ref buffer, 1024, out var frame));
        _ = MqttPacketReader.DecodePublish(frame, MqttProtocolVersion.V311);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var packet = MqttPacketReader.DecodePublish(frame, MqttProtocolVersion.V311);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The packet object, the 3-character topic string and the 2-byte payload array; nothing transient.
        Assert.Equal("a/b", packet.Topic);
        Assert.InRange(allocated, 1, 256);
    }

    [Fact]
    public void A_huge_declared_remaining_length_allocates_nothing_while_waiting()
    {
        // 268,435,455 bytes declared, five present: the reader must neither allocate nor copy for the absent body.
        var bytes = Bytes.Parse("30 FF FF FF 7F 00 01 't' 'x'");
        var buffer = new ReadOnlySequence<byte>(bytes);
        MqttPacketReader.TryReadFrame(ref buffer, uint.MaxValue, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            buffer = new ReadOnlySequence<byte>(bytes);
            Assert.False(MqttPacketReader.TryReadFrame(ref buffer, uint.MaxValue, out _));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
