using System.Buffers.Binary;
using SecureMqtt.Packets;
using SecureMqtt.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SecureMqtt.Tests.Hostile;

/// <summary>
/// A broker that publishes faster than the application consumes must meet backpressure (the client stops reading
/// the socket), not a growing heap. Memory is measured, not time.
/// </summary>
public sealed class FloodTests(ITestOutputHelper output) : HostileTestBase
{
    private const int PayloadSize = 64 * 1024;
    private const int Messages = 3200; // 200 MiB in all
    private const long HeapGrowthLimit = 24L * 1024 * 1024;

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfService.AtLeastOnce)]
    public async Task An_endless_stream_of_publishes_faster_than_the_application_reads_keeps_memory_bounded(MqttProtocolVersion version, MqttQualityOfService qos)
    {
        // Default limits: the defaults are what must be safe.
        await using var s = await HostileSession.StartAsync(version, pending: false);
        var packet = Wire.Encode(new MqttPublishPacket { Topic = "flood", QualityOfService = qos, PacketId = qos == MqttQualityOfService.AtMostOnce ? (ushort)0 : (ushort)1, Payload = new byte[PayloadSize] }, version);
        var baseline = HeapSize();
        var workingSetBefore = Environment.WorkingSet;

        // One buffer, reused: the sender itself must not allocate what is being measured. The last four payload
        // bytes carry the sequence number; QoS 1 ids cycle through 1..65535.
        var flooding = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++)
            {
                BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(packet.Length - 4), i);
                if (qos != MqttQualityOfService.AtMostOnce)
                {
                    var id = (ushort)((i % 65535) + 1);
                    BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(packet.Length - PayloadSize - (version == MqttProtocolVersion.V500 ? 3 : 2)), id);
                }

                await s.Broker.SendRawAsync(packet);
            }
        });

        // Nobody reads: the client must stop reading too, so the sender stalls long before 200 MiB.
        await Assert.ThrowsAsync<TimeoutException>(() => flooding.WaitAsync(TimeSpan.FromSeconds(3)));
        var stalled = HeapSize() - baseline;
        Assert.True(stalled < HeapGrowthLimit, $"the heap grew by {stalled / 1024 / 1024} MiB while nobody read");
        Assert.True(s.Client.BytesReceived < Messages * (long)PayloadSize / 2, $"the client read {s.Client.BytesReceived} bytes");

        // Now a reader slower than the network: the heap stays bounded through all 200 MiB.
        var peak = stalled;
        var next = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await foreach (var m in s.Client.ReadMessagesAsync(timeout.Token))
        {
            Assert.Equal(next, BinaryPrimitives.ReadInt32BigEndian(m.Payload.Span[^4..]));
            next++;
            if (next % 200 == 0)
            {
                peak = Math.Max(peak, HeapSize() - baseline);
            }

            if (next == Messages)
            {
                break;
            }
        }

        await flooding.WaitAsync(Timeout);
        var workingSetGrowth = Environment.WorkingSet - workingSetBefore;
        output.WriteLine($"heap growth: {stalled / 1024} KiB while stalled, {peak / 1024} KiB at most while draining; working set +{workingSetGrowth / 1024} KiB; the client had read {s.Client.BytesReceived / 1024} KiB");
        Assert.True(peak < HeapGrowthLimit, $"the heap grew by up to {peak / 1024 / 1024} MiB");

        // The process as a whole, with a loose bound (the runtime keeps freed segments for a while): far less than
        // the 200 MiB that went through it.
        Assert.True(workingSetGrowth < 100L * 1024 * 1024, $"the working set grew by {workingSetGrowth / 1024 / 1024} MiB");
        Assert.True(s.Client.IsConnected);
        Assert.Equal(0, s.Client.QueuedIncomingBytes);

        if (qos != MqttQualityOfService.AtMostOnce)
        {
            // Every message was acknowledged, in order.
            var acks = 0;
            while (acks < Messages)
            {
                var ack = (await s.Broker.ReadAsync<MqttAckPacket>()).Ack;
                Assert.Equal((ushort)((acks % 65535) + 1), ack.PacketId);
                acks++;
            }
        }
    }

    private static long HeapSize()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
