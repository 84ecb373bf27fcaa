using System.Buffers;
using BenchmarkDotNet.Attributes;
using SecureMqtt.Packets;

namespace SecureMqtt.Benchmarks;

/// <summary>PUBACK/PUBREC/PUBREL/PUBCOMP run once or twice per QoS 1/2 message: both directions must not allocate.</summary>
[MemoryDiagnoser]
public class AckBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(256);
    private readonly MqttAck _ack = new(MqttPacketType.PubAck, 42);
    private readonly MqttAck _ackWithReason = new(MqttPacketType.PubRec, 42, MqttReasonCode.NoMatchingSubscribers);
    private byte[] _shortAck = [];
    private byte[] _reasonAck = [];
    private ReadOnlySequence<byte> _splitAck;

    [GlobalSetup]
    public void Setup()
    {
        _shortAck = [0x40, 0x02, 0x00, 0x2A];
        _reasonAck = [0x50, 0x04, 0x00, 0x2A, 0x10, 0x00];
        _splitAck = Segments.Split(_reasonAck, 3);
    }

    [Benchmark]
    public int WriteAck_V311()
    {
        _output.ResetWrittenCount();
        return MqttPacketWriter.WriteAck(_output, _ack, MqttProtocolVersion.V311);
    }

    [Benchmark]
    public int WriteAck_V500_with_reason_code()
    {
        _output.ResetWrittenCount();
        return MqttPacketWriter.WriteAck(_output, _ackWithReason, MqttProtocolVersion.V500);
    }

    [Benchmark(Baseline = true)]
    public ushort ReadAck_short_form()
    {
        var buffer = new ReadOnlySequence<byte>(_shortAck);
        MqttPacketReader.TryReadFrame(ref buffer, 1024, out var frame);
        return MqttPacketReader.DecodeAck(frame, MqttProtocolVersion.V500).PacketId;
    }

    [Benchmark]
    public MqttReasonCode ReadAck_with_reason_and_properties()
    {
        var buffer = new ReadOnlySequence<byte>(_reasonAck);
        MqttPacketReader.TryReadFrame(ref buffer, 1024, out var frame);
        return MqttPacketReader.DecodeAck(frame, MqttProtocolVersion.V500).ReasonCode;
    }

    [Benchmark]
    public MqttReasonCode ReadAck_split_across_segments()
    {
        var buffer = _splitAck;
        MqttPacketReader.TryReadFrame(ref buffer, 1024, out var frame);
        return MqttPacketReader.DecodeAck(frame, MqttProtocolVersion.V500).ReasonCode;
    }
}
