using System.Buffers;
using System.Diagnostics;
using SecureMqtt.Packets.Tests.Support;

namespace SecureMqtt.Packets.Tests.Fuzzing;

/// <summary>
/// Mutation fuzzer for the decoder. Starting from valid packets of every type and both versions, it flips bits,
/// inserts and deletes bytes, truncates, splices packets together and rewrites Remaining Lengths, then feeds the
/// result to the reader split into random segments, the way a network delivers it. Anything other than a decoded
/// packet, "need more data" or <see cref="MqttProtocolException"/> is a crash; so is a reader that makes no
/// progress, and a "need more data" that allocated (the reader must not buffer what has not arrived).
/// The harness reuses its buffers and segments so it measures the decoder, not itself.
/// </summary>
public sealed class DecoderFuzzer
{
    private const int MaxSegments = 8;
    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xFF, 0x26, 0x0B, 0x23, 0x1F, 0x30, 0x62];

    private readonly Random _random;
    private readonly (byte[] Bytes, MqttProtocolVersion Version)[] _corpus;
    private readonly ReusableSegment[] _segments = new ReusableSegment[MaxSegments];
    private readonly int[] _cuts = new int[MaxSegments + 1];
    private byte[] _input = new byte[4096];
    private byte[] _scratch = new byte[4096];
    private int _length;

    public DecoderFuzzer(int seed, uint maximumPacketSize = 2048)
    {
        _random = new Random(seed);
        MaximumPacketSize = maximumPacketSize;
        _corpus = Corpus();
        for (var i = 0; i < _segments.Length; i++)
        {
            _segments[i] = new ReusableSegment();
        }
    }

    public uint MaximumPacketSize { get; }

    /// <summary>Valid encoded packets of every type in both versions: the hand vectors plus a few larger ones.</summary>
    public static (byte[] Bytes, MqttProtocolVersion Version)[] Corpus()
    {
        var corpus = Vectors.All.Select(v => (v.Bytes, v.Version)).ToList();
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            var big = new MqttPublishPacket
            {
                Topic = "sensors/\u00e9/\U0001F600", Payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray(),
                QualityOfService = MqttQualityOfService.ExactlyOnce, PacketId = 0x7FFF,
                ContentType = version == MqttProtocolVersion.V500 ? "application/cbor" : null,
                UserProperties = version == MqttProtocolVersion.V500 ? [new("k", "v"), new("k", "w")] : [],
                SubscriptionIdentifiers = version == MqttProtocolVersion.V500 ? [1u, 268_435_455u] : [],
            };
            var output = new ArrayBufferWriter<byte>();
            MqttPacketWriter.Write(output, big, version);
            corpus.Add((output.WrittenSpan.ToArray(), version));
        }

        return [.. corpus];
    }

    public FuzzReport Run(long iterations)
    {
        var report = new FuzzReport();
        var stopwatch = Stopwatch.StartNew();
        for (long i = 0; i < iterations; i++)
        {
            var version = NextInput();
            Feed(version, report);
            report.Inputs++;
        }

        report.Elapsed = stopwatch.Elapsed;
        return report;
    }

    /// <summary>Feeds one input (hex) the same way the fuzzer does, for regression tests of crashes it found.</summary>
    public static void FeedOnce(byte[] input, MqttProtocolVersion version, uint maximumPacketSize, int segments)
    {
        var fuzzer = new DecoderFuzzer(0, maximumPacketSize);
        fuzzer.Load(input);
        var report = new FuzzReport();
        fuzzer.Feed(version, report, segments);
        if (report.Crashes.Count > 0)
        {
            throw new InvalidOperationException(report.Crashes[0].Failure);
        }
    }

    private void Load(byte[] input)
    {
        Ensure(input.Length);
        input.CopyTo(_input, 0);
        _length = input.Length;
    }

    private MqttProtocolVersion NextInput()
    {
        var (seed, version) = _corpus[_random.Next(_corpus.Length)];
        Ensure(seed.Length);
        seed.CopyTo(_input, 0);
        _length = seed.Length;
        var mutations = 1 + _random.Next(3);
        for (var m = 0; m < mutations; m++)
        {
            Mutate();
        }

        // Mostly the version the packet was made for; sometimes the other, as a confused peer would send.
        return _random.Next(4) == 0 ? (version == MqttProtocolVersion.V500 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500) : version;
    }

    private void Mutate()
    {
        switch (_random.Next(10))
        {
            case 0 when _length > 0:
                _input[_random.Next(_length)] ^= (byte)(1 << _random.Next(8));
                break;
            case 1 when _length > 0:
                _input[_random.Next(_length)] = (byte)_random.Next(256);
                break;
            case 2 when _length > 0:
                _input[_random.Next(_length)] = Interesting[_random.Next(Interesting.Length)];
                break;
            case 3:
                {
                    var count = 1 + _random.Next(8);
                    var at = _random.Next(_length + 1);
                    Insert(at, count);
                    _random.NextBytes(_input.AsSpan(at, count));
                    break;
                }

            case 4 when _length > 0:
                {
                    var at = _random.Next(_length);
                    var count = Math.Min(1 + _random.Next(8), _length - at);
                    _input.AsSpan(at + count, _length - at - count).CopyTo(_input.AsSpan(at));
                    _length -= count;
                    break;
                }

            case 5:
                _length = _random.Next(_length + 1);
                break;
            case 6:
                {
                    // Splice: keep a prefix of this input, append a prefix or the whole of another packet.
                    var (other, _) = _corpus[_random.Next(_corpus.Length)];
                    var keep = _random.Next(_length + 1);
                    var take = _random.Next(2) == 0 ? other.Length : _random.Next(other.Length + 1);
                    Ensure(keep + take);
                    other.AsSpan(0, take).CopyTo(_input.AsSpan(keep));
                    _length = keep + take;
                    break;
                }

            case 7:
                RewriteRemainingLength();
                break;
            case 8 when _length > 1:
                {
                    var at = _random.Next(_length);
                    var count = Math.Min(1 + _random.Next(16), _length - at);
                    _input.AsSpan(at, count).CopyTo(_scratch);
                    Insert(at, count);
                    _scratch.AsSpan(0, count).CopyTo(_input.AsSpan(at));
                    break;
                }

            default:
                if (_length > 0)
                {
                    // A different packet type with the same flags and body.
                    _input[0] = (byte)((_random.Next(16) << 4) | (_input[0] & 0x0F));
                }

                break;
        }
    }

    private void RewriteRemainingLength()
    {
        if (_length == 0)
        {
            return;
        }

        // How many Remaining Length bytes the input has now (those present, at most four).
        var old = 0;
        while (old < 4 && 1 + old < _length)
        {
            var b = _input[1 + old];
            old++;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }
        Span<byte> encoded = stackalloc byte[5];
        int size;
        switch (_random.Next(4))
        {
            case 0: // plausible: near the real body length
                size = VariableByteInteger.Write(encoded, (uint)Math.Max(0, _length - 1 - old + _random.Next(-3, 4)));
                break;
            case 1: // anything up to the protocol maximum
                size = VariableByteInteger.Write(encoded, (uint)_random.Next(VariableByteInteger.MaxValue + 1));
                break;
            case 2: // not in shortest form
                encoded[0] = (byte)(0x80 | _random.Next(128));
                encoded[1] = 0;
                size = 2;
                break;
            default: // five bytes
                encoded[..4].Fill(0xFF);
                encoded[4] = 0x01;
                size = 5;
                break;
        }

        var delta = size - old;
        if (delta > 0)
        {
            Insert(1, delta);
        }
        else if (delta < 0)
        {
            _input.AsSpan(1 - delta, _length - 1 + delta).CopyTo(_input.AsSpan(1));
            _length += delta;
        }

        encoded[..size].CopyTo(_input.AsSpan(1));
    }

    private void Feed(MqttProtocolVersion version, FuzzReport report, int segmentCount = 0)
    {
        var data = new ReadOnlyMemory<byte>(_input, 0, _length);
        var buffer = Split(data, segmentCount == 0 ? 1 + _random.Next(MaxSegments) : segmentCount, out var segments);
        if (!Consume(buffer, version, report, out var consumed, out var packets, out var error))
        {
            return;
        }

        report.PacketsDecoded += packets;
        if (error is null)
        {
            report.NeededMoreData++;
        }
        else
        {
            var key = (error.ReasonCode, error.Rule);
            report.Rejections[key] = report.Rejections.GetValueOrDefault(key) + 1;
        }

        if (segments > 1 && (segmentCount != 0 || _random.Next(4) == 0))
        {
            // Replay as a network delivers: the same bytes, visible one more segment at a time, resuming where the
            // reader stopped. Every packet and the final verdict must be the same as with everything at once.
            long consumedSoFar = 0;
            var packetsSoFar = 0;
            MqttProtocolException? incrementalError = null;
            for (var i = 1; i <= segments && incrementalError is null; i++)
            {
                var visible = buffer.Slice(consumedSoFar, _cuts[i] - consumedSoFar);
                if (!Consume(visible, version, report, out var stepConsumed, out var stepPackets, out incrementalError))
                {
                    return;
                }

                consumedSoFar += stepConsumed;
                packetsSoFar += stepPackets;
            }

            if (packetsSoFar != packets || consumedSoFar != consumed || incrementalError?.Message != error?.Message)
            {
                Crash(report, version,
                    $"incremental delivery disagrees: {packetsSoFar} packets/{consumedSoFar} bytes/{incrementalError?.Message ?? "need more"}"
                    + $" versus {packets}/{consumed}/{error?.Message ?? "need more"}");
            }
        }
    }

    /// <summary>Reads packets until the reader wants more data or rejects the input; false when it crashed.</summary>
    private bool Consume(ReadOnlySequence<byte> buffer, MqttProtocolVersion version, FuzzReport report, out long consumed, out int packets, out MqttProtocolException? error)
    {
        consumed = 0;
        packets = 0;
        error = null;
        try
        {
            while (true)
            {
                var remainingBefore = buffer.Length;
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                if (!MqttPacketReader.TryReadFrame(ref buffer, MaximumPacketSize, out var frame))
                {
                    var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                    if (allocated != 0)
                    {
                        Crash(report, version, $"TryReadFrame allocated {allocated} bytes while waiting for more data");
                        return false;
                    }

                    if (buffer.Length != remainingBefore)
                    {
                        Crash(report, version, "TryReadFrame returned false but consumed bytes");
                        return false;
                    }

                    return true;
                }

                if (buffer.Length >= remainingBefore || frame.TotalLength != remainingBefore - buffer.Length)
                {
                    Crash(report, version, "TryReadFrame returned a frame without consuming exactly its length");
                    return false;
                }

                MqttPacketReader.Decode(frame, version);
                consumed += frame.TotalLength;
                if (++packets > _length)
                {
                    Crash(report, version, "more packets than input bytes: the reader is looping");
                    return false;
                }
            }
        }
        catch (MqttProtocolException ex)
        {
            error = ex;
            return true;
        }
#pragma warning disable CA1031 // Catching everything is the point: any other exception is the bug being hunted.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Crash(report, version, $"{ex.GetType().Name}: {ex.Message}");
            return false;
        }
    }

    private ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, int requested, out int segments)
    {
        segments = Math.Max(1, Math.Min(requested, data.Length));
        if (segments == 1)
        {
            return new ReadOnlySequence<byte>(data);
        }

        _cuts[0] = 0;
        for (var i = 1; i < segments; i++)
        {
            _cuts[i] = _random.Next(data.Length + 1);
        }

        Array.Sort(_cuts, 1, segments - 1);
        _cuts[segments] = data.Length;
        for (var i = segments - 1; i >= 0; i--)
        {
            _segments[i].Set(data[_cuts[i].._cuts[i + 1]], _cuts[i], i + 1 < segments ? _segments[i + 1] : null);
        }

        var last = _segments[segments - 1];
        return new ReadOnlySequence<byte>(_segments[0], 0, last, last.Memory.Length);
    }

    private void Crash(FuzzReport report, MqttProtocolVersion version, string failure)
        => report.Crashes.Add(new FuzzCrash(version, Convert.ToHexString(_input, 0, _length), failure));

    private void Insert(int at, int count)
    {
        Ensure(_length + count);
        _input.AsSpan(at, _length - at).CopyTo(_input.AsSpan(at + count));
        _length += count;
    }

    private void Ensure(int capacity)
    {
        if (capacity > _input.Length)
        {
            // Inputs grow through insertions and splices; keep them bounded so the run stays fast.
            var size = Math.Max(capacity, _input.Length * 2);
            Array.Resize(ref _input, size);
            _scratch = new byte[size];
        }
    }
}
