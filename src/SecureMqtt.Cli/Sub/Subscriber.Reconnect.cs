using System.Net.Sockets;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Sub;

/// <summary>
/// Reconnecting as mosquitto_sub does: libmosquitto's loop_forever waits reconnect_delay (1 s by default, and
/// reconnect_delay_max is also 1 s, so no backoff), connects again, and keeps trying until it works; the
/// on-connect callback then subscribes again. Nothing is printed without -d. A CONNACK refusal or a protocol
/// error ends the run, as at start.
/// </summary>
internal sealed partial class Subscriber
{
    private volatile TaskCompletionSource<Exception> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _subscribedOnce;

    /// <summary>libmosquitto's default reconnect_delay, without backoff (its reconnect_delay_max is the same 1 s).</summary>
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>Waits for the end of the run, connecting and subscribing again whenever the connection is lost.</summary>
    private async Task<int> KeepConnectedAsync(Action subscribed, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lost = _lost.Task;
            if (await Task.WhenAny(_done.Task, lost).WaitAsync(cancellationToken).ConfigureAwait(false) == _done.Task)
            {
                return await _done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var reason = await lost.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (IsFatal(reason))
            {
                // mosquitto's loop_forever gives up on a protocol error rather than reconnecting into it again.
                throw reason;
            }

            // Armed before connecting, so a loss of the next connection is never missed; a late event of an
            // earlier one only makes the loop look again and find the client connected.
            _lost = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (client.IsConnected)
            {
                continue;
            }

            // -C, -W or --retained-only may end the run during the wait or the attempts: stop them then.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var reconnect = ReconnectAsync(stop.Token);
            var finished = _done.Task.WaitAsync(cancellationToken);
            if (await Task.WhenAny(reconnect, finished).ConfigureAwait(false) == finished)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await reconnect.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopped on purpose: the run is over.
                }

                return await _done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            if (await reconnect.ConfigureAwait(false))
            {
                subscribed();
            }
        }
    }

    /// <summary>Connects again after <see cref="ReconnectDelay"/>, retrying until it works, then subscribes again.</summary>
    /// <returns>True when subscribed; false when the new connection was lost before that (the loop starts over).</returns>
    /// <exception cref="MqttConnectionRefusedException">The broker refused the connection: the run ends as at start.</exception>
    private async Task<bool> ReconnectAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(ReconnectDelay, cancellationToken).ConfigureAwait(false);
            try
            {
                await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (IsRetryable(ex))
            {
                // Broker still down, TLS not up yet, timed out: libmosquitto tries again after the same delay.
                // An attempt stopped halfway may fail as an I/O error: the stop is what happened.
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        // An MQTT 5 broker may assign another client id: -d lines use the new one, as libmosquitto's do.
        debug.ClientId = client.ClientId;
        return await TrySubscribeAllAsync(cancellationToken).ConfigureAwait(false);
    }

    private static bool IsRetryable(Exception exception) =>
        exception is MqttConnectionLostException or MqttTimeoutException or MqttTlsException or IOException or SocketException;

    private static bool IsFatal(Exception reason) => reason is MqttProtocolException || reason.InnerException is MqttProtocolException;
}
