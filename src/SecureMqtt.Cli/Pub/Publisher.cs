using System.Buffers;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Pub;

/// <summary>Sends what mosquitto_pub would: one message (repeated), or one message per line of standard input.</summary>
internal sealed class Publisher(MqttClient client, CliStreams streams)
{
    /// <summary>Payload bytes allowed in flight with -l: below the client's output buffer, so no publish waits for room (which could reorder them).</summary>
    private const int WindowBytes = 32 * 1024;

    private long _linesRead;
    private long _sent;
    private long _acknowledged;

    /// <summary>-l's progress line on a terminal (null elsewhere); warnings are written above it.</summary>
    public ProgressLine? Progress { get; set; }

    /// <summary>The progress line's text: lines read from stdin, handed to the client, and acknowledged (written, at QoS 0).</summary>
    public string LinesProgress(MqttQualityOfService qos) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"pub: {Interlocked.Read(ref _linesRead)} lines read, {Interlocked.Read(ref _sent)} sent, {Interlocked.Read(ref _acknowledged)} {(qos == MqttQualityOfService.AtMostOnce ? "written" : "acked")}");

    /// <summary>
    /// The message <paramref name="repeat"/> times. QoS 1/2 repeats are pipelined: up to <paramref name="maxInflight"/>
    /// (-M; 1 without it, one round trip per message as before) and the broker's Receive Maximum are outstanding.
    /// </summary>
    public async Task<bool> PublishRepeatedAsync(MqttMessage message, int repeat, TimeSpan delay, int? maxInflight, CancellationToken cancellationToken)
    {
        var window = Window(maxInflight ?? 1);
        var pending = new Queue<ValueTask<MqttPublishResult>>();
        var failed = false;
        for (var i = 0; i < repeat; i++)
        {
            if (i > 0 && delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }

            while (pending.Count >= window)
            {
                failed |= !Check(await pending.Dequeue().ConfigureAwait(false));
            }

            pending.Enqueue(client.PublishAsync(message, cancellationToken));
        }

        while (pending.Count > 0)
        {
            failed |= !Check(await pending.Dequeue().ConfigureAwait(false));
        }

        return failed;
    }

    /// <summary>
    /// -l: each line (without its '\n') is a message, published as soon as it is read. Publishes are pipelined: up
    /// to the broker's Receive Maximum, -M (and <see cref="WindowBytes"/>) are outstanding at once, so the throughput
    /// is not one round trip per line. Staying inside the quota means no publish waits, so they leave in line order.
    /// </summary>
    public async Task<bool> PublishLinesAsync(MqttMessage template, Stream input, int? maxInflight, CancellationToken cancellationToken)
    {
        var window = Window(maxInflight ?? int.MaxValue);
        var pending = new Queue<(MqttMessage Message, ValueTask<MqttPublishResult> Task)>();
        var pendingBytes = 0L;
        var failed = false;
        var line = new ArrayBufferWriter<byte>(256);
        var buffer = new byte[16 * 1024];

        async Task SendAsync(ReadOnlyMemory<byte> payload)
        {
            while (pending.Count > 0 && (pending.Count >= window || pendingBytes + payload.Length > WindowBytes))
            {
                var (sent, task) = pending.Dequeue();
                pendingBytes -= sent.Payload.Length;
                failed |= !Check(await task.ConfigureAwait(false));
            }

            var message = template with { Payload = payload };
            pending.Enqueue((message, Progress is null ? client.PublishAsync(message, cancellationToken) : PublishCountedAsync(message, cancellationToken)));
            Interlocked.Increment(ref _sent);
            pendingBytes += payload.Length;
        }

        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var start = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', start, read - start)) >= 0)
            {
                line.Write(buffer.AsSpan(start, newline - start));
                Interlocked.Increment(ref _linesRead);
                await SendAsync(line.WrittenSpan.ToArray()).ConfigureAwait(false);
                line.ResetWrittenCount();
                start = newline + 1;
            }

            line.Write(buffer.AsSpan(start, read - start));
        }

        if (line.WrittenCount > 0)
        {
            Interlocked.Increment(ref _linesRead);
            await SendAsync(line.WrittenSpan.ToArray()).ConfigureAwait(false);
        }

        while (pending.Count > 0)
        {
            var (sent, task) = pending.Dequeue();
            failed |= !Check(await task.ConfigureAwait(false));
        }

        return failed;
    }

    /// <summary>
    /// With --store, messages a previous run accepted and never saw acknowledged are sent again by the client itself,
    /// ahead of this run's, with nobody of this run awaiting them: wait until they are acknowledged too before
    /// disconnecting (a disconnect would leave them in the store for the next run, which is safe but surprising).
    /// </summary>
    public static async Task WaitForEarlierRunsAsync(MqttClient client, CancellationToken cancellationToken)
    {
        while (client.QueuedMessageCount + client.InFlightMessageCount > 0 && client.State is MqttClientState.Connected or MqttClientState.Reconnecting)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How many publishes may be outstanding: -M, within the client's in-flight limit (the broker's Receive Maximum) and at most 1024.</summary>
    // Within the client's own in-flight limit too: publishers past it would only wait for a slot (in order), each
    // holding its line in memory meanwhile.
    private int Window(int maxInflight) => Math.Clamp(Math.Min(maxInflight, client.OutgoingInFlightLimit ?? (int)(client.ConnectResult?.ReceiveMaximum ?? 1)), 1, 1024);

    private bool Check(MqttPublishResult result)
    {
        if (result.IsSuccess)
        {
            return true;
        }

        var warning = $"Warning: Publish {result.PacketId ?? 0} failed: {result.ReasonCode}{(result.ReasonString is null ? string.Empty : $" ({result.ReasonString})")}.";
        if (Progress is { } progress)
        {
            progress.WriteLine(warning);
        }
        else
        {
            streams.Error.WriteLine(warning);
        }

        return false;
    }

    /// <summary>PublishAsync, counted for the progress line; it calls PublishAsync before its first await, so line order holds.</summary>
    private async ValueTask<MqttPublishResult> PublishCountedAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (result.IsSuccess)
        {
            Interlocked.Increment(ref _acknowledged);
        }

        return result;
    }
}
