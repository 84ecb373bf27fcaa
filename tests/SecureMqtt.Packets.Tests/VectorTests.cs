using System.Buffers;
using SecureMqtt.Packets.Tests.Support;

namespace SecureMqtt.Packets.Tests;

/// <summary>Hand-computed byte vectors: our encoder must produce them and our decoder must read them.</summary>
public class VectorTests
{
    private const uint NoLimit = uint.MaxValue;

    public static TheoryData<string> Names => Vectors.Names();

    [Theory]
    [MemberData(nameof(Names))]
    public void Encodes_to_the_bytes_worked_out_from_the_specification(string name)
    {
        var vector = Vectors.Get(name);
        if (vector.DecodeOnly)
        {
            return;
        }

        var output = new ArrayBufferWriter<byte>();
        var written = MqttPacketWriter.Write(output, vector.Packet, vector.Version);

        Assert.Equal(Bytes.ToHex(vector.Bytes), Bytes.ToHex(output.WrittenSpan));
        Assert.Equal(vector.Bytes.Length, written);
        Assert.Equal(vector.Bytes.Length, MqttPacketWriter.GetSize(vector.Packet, vector.Version));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decodes_the_bytes_worked_out_from_the_specification(string name)
    {
        var vector = Vectors.Get(name);
        var buffer = new ReadOnlySequence<byte>(vector.Bytes);

        Assert.True(MqttPacketReader.TryRead(ref buffer, vector.Version, NoLimit, out var packet));

        Assert.True(buffer.IsEmpty);
        PacketDescriber.AssertEqual(vector.Packet, packet);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decodes_identically_when_split_into_segments_at_every_byte(string name)
    {
        var vector = Vectors.Get(name);
        var bytes = vector.Bytes;
        var expected = PacketDescriber.Describe(vector.Packet);

        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var buffer = Bytes.Segmented(bytes, cut);
            Assert.True(MqttPacketReader.TryRead(ref buffer, vector.Version, NoLimit, out var packet), $"split at {cut}");
            Assert.Equal(expected, PacketDescriber.Describe(packet));
            Assert.True(buffer.IsEmpty);
        }

        var perByte = Bytes.OneBytePerSegment(bytes);
        Assert.True(MqttPacketReader.TryRead(ref perByte, vector.Version, NoLimit, out var fromBytes));
        Assert.Equal(expected, PacketDescriber.Describe(fromBytes));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Needs_more_data_for_every_prefix_then_decodes_when_the_rest_arrives(string name)
    {
        var vector = Vectors.Get(name);
        var bytes = vector.Bytes;
        var expected = PacketDescriber.Describe(vector.Packet);

        for (var received = 0; received < bytes.Length; received++)
        {
            // What a socket delivered so far, itself split in two reads.
            var prefix = Bytes.Segmented(bytes.AsMemory(0, received), received / 2);
            var before = prefix;
            Assert.False(MqttPacketReader.TryRead(ref prefix, vector.Version, NoLimit, out var none), $"{received} of {bytes.Length} bytes");
            Assert.Null(none);
            Assert.Equal(before.Length, prefix.Length);
            Assert.Equal(before.Start, prefix.Start);

            var whole = Bytes.Segmented(bytes, received / 2, received);
            Assert.True(MqttPacketReader.TryRead(ref whole, vector.Version, NoLimit, out var packet));
            Assert.Equal(expected, PacketDescriber.Describe(packet));
        }
    }

    [Fact]
    public void Reads_packets_back_to_back_and_leaves_a_partial_one_in_the_buffer()
    {
        var publish = Vectors.Get("PUBLISH 5.0 QoS 1 with every property").Bytes;
        var ack = Vectors.Get("PUBREC 5.0 with reason string").Bytes;
        var stream = publish.Concat(ack).Concat(publish.Take(5)).ToArray();
        var buffer = Bytes.Segmented(stream, 3, publish.Length + 1);

        Assert.True(MqttPacketReader.TryReadFrame(ref buffer, NoLimit, out var first));
        Assert.Equal(MqttPacketType.Publish, first.Type);
        Assert.Equal(publish.Length, first.TotalLength);
        Assert.True(MqttPacketReader.TryReadFrame(ref buffer, NoLimit, out var second));
        Assert.Equal(MqttPacketType.PubRec, second.Type);
        Assert.Equal(MqttReasonCode.UnspecifiedError, MqttPacketReader.DecodeAck(second, MqttProtocolVersion.V500).ReasonCode);
        Assert.False(MqttPacketReader.TryReadFrame(ref buffer, NoLimit, out _));
        Assert.Equal(5, buffer.Length);
    }

    [Fact]
    public void Frame_exposes_type_flags_and_body_of_a_publish()
    {
        var buffer = new ReadOnlySequence<byte>(Vectors.Get("PUBLISH 3.1.1 QoS 1 retained").Bytes);

        Assert.True(MqttPacketReader.TryReadFrame(ref buffer, NoLimit, out var frame));

        Assert.Equal(MqttPacketType.Publish, frame.Type);
        Assert.Equal(0b0011, frame.Flags);
        Assert.Equal(9, frame.Body.Length);
        Assert.Equal(11, frame.TotalLength);
    }

    [Fact]
    public void Acknowledgement_struct_path_reads_and_writes_the_vectors()
    {
        var vector = Vectors.Get("PUBCOMP 5.0 with user property");
        var buffer = new ReadOnlySequence<byte>(vector.Bytes);
        Assert.True(MqttPacketReader.TryReadFrame(ref buffer, NoLimit, out var frame));

        var ack = MqttPacketReader.DecodeAck(frame, MqttProtocolVersion.V500);

        Assert.Equal(((MqttAckPacket)vector.Packet).Ack, ack);
        var output = new ArrayBufferWriter<byte>();
        MqttPacketWriter.WriteAck(output, ack, MqttProtocolVersion.V500);
        Assert.Equal(vector.Bytes, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Acknowledgements_under_3_1_1_drop_the_reason_code()
    {
        var output = new ArrayBufferWriter<byte>();

        MqttPacketWriter.WriteAck(output, new MqttAck(MqttPacketType.PubAck, 7, MqttReasonCode.QuotaExceeded) { ReasonString = "x" }, MqttProtocolVersion.V311);

        Assert.Equal(Bytes.Parse("40 02 00 07"), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void PingReq_is_two_bytes()
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.Equal(2, MqttPacketWriter.WritePingReq(output));

        Assert.Equal(new byte[] { 0xC0, 0x00 }, output.WrittenSpan.ToArray());
    }
}
