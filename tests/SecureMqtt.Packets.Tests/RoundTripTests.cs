using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using SecureMqtt.Packets.Tests.Support;

namespace SecureMqtt.Packets.Tests;

/// <summary>decode(encode(p)) == p for generated valid packets of every type, in both versions.</summary>
public class RoundTripTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(500).WithEndSize(40);

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Every_generated_packet_survives_encode_then_decode(MqttProtocolVersion version)
    {
        var property = Prop.ForAll(
            PacketGenerators.Packet(version).ToArbitrary(),
            Gen.Choose(0, 1000).ToArbitrary(),
            (packet, splitSeed) => RoundTrips(packet, version, splitSeed));

        Check.One(Config, property);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Acknowledgement_structs_survive_WriteAck_then_DecodeAck(MqttProtocolVersion version)
    {
        var property = Prop.ForAll(PacketGenerators.Ack(version).ToArbitrary(), ack =>
        {
            var output = new ArrayBufferWriter<byte>();
            MqttPacketWriter.WriteAck(output, ack, version);
            var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
            return MqttPacketReader.TryReadFrame(ref buffer, uint.MaxValue, out var frame)
                && MqttPacketReader.DecodeAck(frame, version) == ack
                && buffer.IsEmpty;
        });

        Check.One(Config, property);
    }

    [Fact]
    public void Every_packet_type_round_trips_in_every_version_where_it_exists()
    {
        // The generators pick types at random; this pins that each type was really covered.
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            var seen = new HashSet<MqttPacketType>();
            foreach (var packet in PacketGenerators.Packet(version).Sample(2000, 30))
            {
                Assert.True(RoundTrips(packet, version, 0));
                seen.Add(packet.Type);
            }

            var expected = Enum.GetValues<MqttPacketType>().Where(t => version == MqttProtocolVersion.V500 || t != MqttPacketType.Auth);
            Assert.Equal(expected.OrderBy(t => t), seen.OrderBy(t => t));
        }
    }

    private static bool RoundTrips(MqttPacket packet, MqttProtocolVersion version, int splitSeed)
    {
        var output = new ArrayBufferWriter<byte>();
        var written = MqttPacketWriter.Write(output, packet, version);
        Assert.Equal(MqttPacketWriter.GetSize(packet, version), written);
        Assert.Equal(written, output.WrittenCount);

        var bytes = output.WrittenMemory;
        var random = new Random(splitSeed);
        var cuts = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(0, bytes.Length + 1)).Order().ToArray();
        var buffer = Bytes.Segmented(bytes, cuts);
        Assert.True(MqttPacketReader.TryRead(ref buffer, version, (uint)written, out var decoded));
        Assert.True(buffer.IsEmpty);
        Assert.Equal(PacketDescriber.Describe(packet), PacketDescriber.Describe(decoded));
        return true;
    }
}
