using System.Buffers;

namespace SecureMqtt.Packets.Tests.Fuzzing;

/// <summary>A segment the fuzzer re-points for every input, so splitting an input costs no allocation.</summary>
internal sealed class ReusableSegment : ReadOnlySequenceSegment<byte>
{
    public void Set(ReadOnlyMemory<byte> memory, long runningIndex, ReusableSegment? next)
    {
        Memory = memory;
        RunningIndex = runningIndex;
        Next = next;
    }
}
