using System.Buffers;
using SecureMqtt.Packets.Tests.Support;

namespace SecureMqtt.Packets.Tests;

public class VariableByteIntegerTests
{
    // Section 1.5.5, table 1-1: the boundaries of each encoded length.
    [Theory]
    [InlineData(0u, "00")]
    [InlineData(127u, "7F")]
    [InlineData(128u, "80 01")]
    [InlineData(16_383u, "FF 7F")]
    [InlineData(16_384u, "80 80 01")]
    [InlineData(2_097_151u, "FF FF 7F")]
    [InlineData(2_097_152u, "80 80 80 01")]
    [InlineData(268_435_455u, "FF FF FF 7F")]
    public void Encodes_and_decodes_the_boundary_values(uint value, string hex)
    {
        var expected = Bytes.Parse(hex);
        var buffer = new byte[4];

        var written = VariableByteInteger.Write(buffer, value);

        Assert.Equal(expected, buffer[..written]);
        Assert.Equal(expected.Length, VariableByteInteger.GetSize(value));
        var reader = new SequenceReader<byte>(Bytes.OneBytePerSegment(expected));
        Assert.True(VariableByteInteger.TryRead(ref reader, out var decoded));
        Assert.Equal((int)value, decoded);
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(127, "30 7F")]
    [InlineData(128, "30 80 01")]
    [InlineData(16_383, "30 FF 7F")]
    [InlineData(16_384, "30 80 80 01")]
    [InlineData(2_097_151, "30 FF FF 7F")]
    [InlineData(2_097_152, "30 80 80 80 01")]
    [InlineData(268_435_455, "30 FF FF FF 7F")]
    public void Fixed_header_remaining_length_boundaries_wait_for_the_body(int remainingLength, string header)
    {
        var buffer = new ReadOnlySequence<byte>(Bytes.Parse(header));

        Assert.False(MqttPacketReader.TryReadFrame(ref buffer, uint.MaxValue, out _));

        // One byte short of the declared packet is still "need more"; the declared size is what a limit refuses.
        var total = (uint)(Bytes.Parse(header).Length + remainingLength);
        var ex = Assert.Throws<MqttProtocolException>(() =>
        {
            var again = new ReadOnlySequence<byte>(Bytes.Parse(header));
            MqttPacketReader.TryReadFrame(ref again, total - 1, out _);
        });
        Assert.Equal(MqttReasonCode.PacketTooLarge, ex.ReasonCode);
    }

    [Theory]
    [InlineData(128)]
    [InlineData(16_384)]
    public void Publish_with_a_multi_byte_remaining_length_round_trips(int payloadLength)
    {
        var packet = new MqttPublishPacket { Topic = "t", Payload = new byte[payloadLength] };
        var output = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(output, packet, MqttProtocolVersion.V311);
        var bytes = output.WrittenSpan.ToArray();

        var remainingLength = payloadLength + 3;
        Assert.Equal(1 + VariableByteInteger.GetSize((uint)remainingLength) + remainingLength, bytes.Length);
        var buffer = Bytes.Segmented(bytes, 2);
        Assert.True(MqttPacketReader.TryRead(ref buffer, MqttProtocolVersion.V311, uint.MaxValue, out var decoded));
        Assert.Equal(payloadLength, ((MqttPublishPacket)decoded).Payload.Length);
    }
}
