namespace SecureMqtt.Engine;

internal sealed partial class MqttProtocolConnection
{
    /// <summary>
    /// Sends PINGREQ when nothing was sent for the keep-alive period [MQTT-3.1.2-23], and declares the
    /// connection dead when nothing at all was received for 1.5 times the period: watching only what was
    /// sent would leave the client "connected" on a dead socket. Time comes from the options' TimeProvider.
    /// </summary>
    private async Task RunKeepAliveLoopAsync()
    {
        await Task.Yield();
        var keepAlive = KeepAlive;
        if (keepAlive <= TimeSpan.Zero)
        {
            return;
        }

        var deadline = keepAlive * 1.5;
        var time = _owner.Options.TimeProvider;
        var token = _cancellation.Token;
        long? lastPing = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var sinceReceived = _stream.SinceLastReceived;
                if (sinceReceived >= deadline)
                {
                    Log.KeepAliveTimeout(Logger, sinceReceived.TotalSeconds, (int)keepAlive.TotalSeconds);
                    Terminate(new MqttConnectionLostException(
                        $"The broker sent nothing for {sinceReceived.TotalSeconds:0.#}s, 1.5 times the keep-alive of {keepAlive.TotalSeconds:0}s: the connection is dead."), unexpected: true);
                    return;
                }

                // The flush loop stamps "last sent" after the write; until then count the PINGREQ we queued.
                var sinceSent = _stream.SinceLastSent;
                if (lastPing is { } p && time.GetElapsedTime(p) < sinceSent)
                {
                    sinceSent = time.GetElapsedTime(p);
                }

                if (sinceSent >= keepAlive)
                {
                    await WritePingReqAsync(deadline - sinceReceived, token).ConfigureAwait(false);
                    lastPing = time.GetTimestamp();

                    // Queuing the PINGREQ may have waited for room in the output buffer: measure again rather than
                    // sleep for a wait computed before it, which would push the receive deadline back by that long.
                    continue;
                }

                var wait = Min(keepAlive - sinceSent, deadline - sinceReceived);
                await Task.Delay(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The connection ended.
        }
        catch (MqttException)
        {
            // Writing failed: the connection is ending and that path reports why.
        }
    }

    /// <summary>
    /// Queues PINGREQ, but waits for room in the output buffer no longer than until the receive deadline: a broker
    /// that stops reading fills the buffer, and a keep-alive stuck behind it would never declare the connection dead.
    /// </summary>
    private async ValueTask WritePingReqAsync(TimeSpan untilDeadline, CancellationToken token)
    {
        using var limit = new CancellationTokenSource(untilDeadline > TimeSpan.Zero ? untilDeadline : TimeSpan.FromMilliseconds(1), _owner.Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, limit.Token);
        PacketTrace.Sent(Logger, Packets.MqttPacketType.PingReq);
        try
        {
            await Output.WriteAsync(0, static (writer, _) => Packets.MqttPacketWriter.WritePingReq(writer), linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !token.IsCancellationRequested)
        {
            // The buffer stayed full until the deadline; the loop's next check decides the connection is dead.
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
