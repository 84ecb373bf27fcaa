using System.Buffers;
using BenchmarkDotNet.Attributes;
using SecureMqtt.Packets;

namespace SecureMqtt.Benchmarks;

/// <summary>PUBLISH in both directions, with a small and a 1 KB payload.</summary>
[MemoryDiagnoser]
public class PublishBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private MqttPublishPacket _packet = null!;
    private byte[] _encoded = [];
    private ReadOnlySequence<byte> _split;

    [Params(16, 1024)]
    public int PayloadSize { get; set; }

    [Params(MqttProtocolVersion.V311, MqttProtocolVersion.V500)]
    public MqttProtocolVersion Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _packet = new MqttPublishPacket
        {
            Topic = "sensors/building-1/floor-3/temperature",
            Payload = new byte[PayloadSize],
            QualityOfService = MqttQualityOfService.AtLeastOnce,
            PacketId = 4242,
            ContentType = Version == MqttProtocolVersion.V500 ? "application/json" : null,
            MessageExpiryInterval = Version == MqttProtocolVersion.V500 ? 60u : null,
        };
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(writer, _packet, Version);
        _encoded = writer.WrittenSpan.ToArray();
        _split = Segments.Split(_encoded, _encoded.Length / 3, 2 * _encoded.Length / 3);
    }

    [Benchmark]
    public int Encode()
    {
        _output.ResetWrittenCount();
        return MqttPacketWriter.Write(_output, _packet, Version);
    }

    [Benchmark]
    public int Decode()
    {
        var buffer = new ReadOnlySequence<byte>(_encoded);
        MqttPacketReader.TryReadFrame(ref buffer, 1 << 20, out var frame);
        return MqttPacketReader.DecodePublish(frame, Version).Payload.Length;
    }

    [Benchmark]
    public int Decode_split_in_three_segments()
    {
        var buffer = _split;
        MqttPacketReader.TryReadFrame(ref buffer, 1 << 20, out var frame);
        return MqttPacketReader.DecodePublish(frame, Version).Payload.Length;
    }
}
