using SecureMqtt.Tests.Infrastructure;
using SecureMqtt.Framing;

namespace SecureMqtt.Tests;

public class OutputBufferTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static ValueTask WriteBytesAsync(MqttOutputBuffer buffer, byte value, int count) =>
        buffer.WriteAsync((value, count), static (w, s) =>
        {
            w.GetSpan(s.count)[..s.count].Fill(s.value);
            w.Advance(s.count);
        }, CancellationToken.None);

    [Fact]
    public async Task Packets_written_while_the_socket_is_busy_go_out_in_few_writes_and_in_order()
    {
        var stream = new GatedStream(open: false);
        var buffer = new MqttOutputBuffer(stream, 64 * 1024, _ => { });
        var flush = buffer.RunFlushLoopAsync(CancellationToken.None);

        await WriteBytesAsync(buffer, 0, 10);
        await stream.FirstWriteStarted.WaitAsync(Timeout);
        for (var i = 1; i <= 200; i++)
        {
            await WriteBytesAsync(buffer, (byte)i, 20);
        }

        stream.Open();
        await stream.WaitForBytesAsync(10 + (200 * 20)).WaitAsync(Timeout);

        // One write for the first packet, then the 200 buffered packets (4000 bytes) coalesced.
        Assert.True(stream.WriteCalls <= 3, $"expected at most 3 stream writes, got {stream.WriteCalls}");
        var written = stream.Written;
        Assert.Equal(10 + (200 * 20), written.Length);
        for (var i = 1; i <= 200; i++)
        {
            Assert.All(written.AsSpan(10 + ((i - 1) * 20), 20).ToArray(), b => Assert.Equal((byte)i, b));
        }

        buffer.Complete();
        await flush.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Writers_wait_when_the_buffer_is_full_and_resume_when_the_socket_drains()
    {
        var stream = new GatedStream(open: false);
        var buffer = new MqttOutputBuffer(stream, 1024, _ => { });
        var flush = buffer.RunFlushLoopAsync(CancellationToken.None);

        await WriteBytesAsync(buffer, 1, 300);
        await stream.FirstWriteStarted.WaitAsync(Timeout);

        ValueTask pending = default;
        var accepted = 0;
        for (var i = 0; i < 20; i++)
        {
            pending = WriteBytesAsync(buffer, 2, 300);
            if (!pending.IsCompleted)
            {
                break;
            }

            accepted++;
        }

        Assert.False(pending.IsCompleted, "a writer should wait once the buffer holds more than its capacity");
        Assert.InRange(accepted, 1, 4);

        stream.Open();
        await pending.AsTask().WaitAsync(Timeout);
        await stream.WaitForBytesAsync(300 * (accepted + 2)).WaitAsync(Timeout);
        buffer.Complete();
        await flush.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Cancelling_a_writer_that_waits_for_room_sends_nothing_but_a_buffered_packet_still_goes_out()
    {
        var stream = new GatedStream(open: false);
        var buffer = new MqttOutputBuffer(stream, 1024, _ => { });
        var flush = buffer.RunFlushLoopAsync(CancellationToken.None);
        await WriteBytesAsync(buffer, 1, 300);
        await stream.FirstWriteStarted.WaitAsync(Timeout);

        // Fill until a writer waits: its packet is already in the buffer (it took the buffer over capacity).
        using var bufferedCancel = new CancellationTokenSource();
        ValueTask buffered;
        var accepted = 0;
        while ((buffered = buffer.WriteAsync((byte)2, static (w, v) => { w.GetSpan(300)[..300].Fill(v); w.Advance(300); }, bufferedCancel.Token)).IsCompleted)
        {
            Assert.True(++accepted < 20, "a writer should wait once the buffer holds more than its capacity");
        }

        // The next writer finds the buffer full before encoding anything.
        using var waitingCancel = new CancellationTokenSource();
        var waiting = buffer.WriteAsync((byte)9, static (w, v) => { w.GetSpan(300)[..300].Fill(v); w.Advance(300); }, waitingCancel.Token).AsTask();
        await bufferedCancel.CancelAsync();
        await buffered.AsTask().WaitAsync(Timeout);
        Assert.False(waiting.IsCompleted);
        await waitingCancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout));

        // A marker written after both shows where the stream ends: the cancelled waiter's bytes are not in it.
        stream.Open();
        await WriteBytesAsync(buffer, 3, 10);
        var expected = 300 + (300 * (accepted + 1)) + 10;
        await stream.WaitForBytesAsync(expected).WaitAsync(Timeout);
        buffer.Complete();
        await flush.WaitAsync(Timeout);
        var written = stream.Written;
        Assert.Equal(expected, written.Length);
        Assert.DoesNotContain((byte)9, written);
        Assert.Equal(300 * (accepted + 1), written.Count(b => b == 2));
    }

    [Fact]
    public async Task A_failed_socket_write_fails_later_writers_with_connection_lost()
    {
        var stream = new GatedStream { FailWith = new IOException("broken pipe") };
        var buffer = new MqttOutputBuffer(stream, 4096, _ => { });
        var flush = buffer.RunFlushLoopAsync(CancellationToken.None);

        await WriteBytesAsync(buffer, 1, 10);
        await Assert.ThrowsAsync<IOException>(() => flush.WaitAsync(Timeout));

        var error = await Assert.ThrowsAsync<MqttConnectionLostException>(async () => await WriteBytesAsync(buffer, 1, 10));
        Assert.Contains("broken pipe", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_writer_waiting_for_room_when_the_socket_write_fails_gets_connection_lost_not_the_socket_error()
    {
        // The flush loop fails while a writer waits inside the pipe's flush: the pipe would hand that writer the raw
        // IOException; the buffer gives it the typed reason instead (the race two integration tests once hit).
        var stream = new GatedStream(open: false) { FailWith = new IOException("connection reset") };
        var buffer = new MqttOutputBuffer(stream, 1024, _ => { });
        var flush = buffer.RunFlushLoopAsync(CancellationToken.None);
        await WriteBytesAsync(buffer, 1, 300);
        await stream.FirstWriteStarted.WaitAsync(Timeout);

        ValueTask waiting;
        var accepted = 0;
        while ((waiting = WriteBytesAsync(buffer, 2, 300)).IsCompleted)
        {
            Assert.True(++accepted < 20, "a writer should wait once the buffer holds more than its capacity");
        }

        stream.Open();
        await Assert.ThrowsAsync<IOException>(() => flush.WaitAsync(Timeout));
        var error = await Assert.ThrowsAsync<MqttConnectionLostException>(() => waiting.AsTask().WaitAsync(Timeout));
        Assert.Contains("connection reset", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sent_callback_reports_the_bytes_written()
    {
        var stream = new GatedStream();
        long sent = 0;
        var buffer = new MqttOutputBuffer(stream, 4096, n => Interlocked.Add(ref sent, n));
        var flush = buffer.RunFlushLoopAsync(CancellationToken.None);
        await WriteBytesAsync(buffer, 1, 123);
        buffer.Complete();
        await flush.WaitAsync(Timeout);
        Assert.Equal(123, Interlocked.Read(ref sent));
    }
}
