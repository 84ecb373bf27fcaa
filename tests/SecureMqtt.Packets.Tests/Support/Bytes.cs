using System.Buffers;
using System.Text;

namespace SecureMqtt.Packets.Tests.Support;

/// <summary>Test vectors are written as hex with ASCII runs in single quotes: "00 04 'MQTT' 05".</summary>
internal static class Bytes
{
    public static byte[] Parse(string text)
    {
        var result = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                result.AddRange(Encoding.ASCII.GetBytes(text[(i + 1)..end]));
                i = end;
                continue;
            }

            result.Add(Convert.ToByte(text.Substring(i, 2), 16));
            i++;
        }

        return [.. result];
    }

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    /// <summary>A sequence whose segments break at the given offsets (empty segments included when offsets repeat).</summary>
    public static ReadOnlySequence<byte> Segmented(ReadOnlyMemory<byte> data, params int[] cuts)
    {
        Segment? first = null;
        Segment? last = null;
        var start = 0;
        foreach (var cut in cuts.Append(data.Length))
        {
            var piece = data[start..cut];
            if (first is null)
            {
                first = last = new Segment(piece, 0);
            }
            else
            {
                last = last!.Append(piece);
            }

            start = cut;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>One segment per byte: the worst a network can do.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data)
        => data.Length == 0 ? ReadOnlySequence<byte>.Empty : Segmented(data, [.. Enumerable.Range(1, data.Length - 1)]);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
