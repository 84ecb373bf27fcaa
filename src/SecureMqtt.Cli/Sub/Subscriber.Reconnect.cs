namespace SecureMqtt.Cli.Sub;

/// <summary>
/// Reconnecting is the library's (as libmosquitto's loop_forever does it for mosquitto_sub: every second, until
/// it works, and ClientConnector prints one line per lost connection). What is left here is mosquitto_sub's
/// on-connect callback, subscribing again on every new connection, and ending the run with the error when the
/// client gives up (a refused reconnect, a protocol error).
/// </summary>
internal sealed partial class Subscriber
{
    private bool _subscribedOnce;

    /// <summary>Waits for the end of the run while the client keeps the connection up.</summary>
    private async Task<int> KeepConnectedAsync(Action subscribed, CancellationToken cancellationToken)
    {
        if (!_subscribedOnce)
        {
            // The first SUBSCRIBE was lost with its connection: subscribe again on the next one, unless -W or a
            // give-up ends the run first.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var subscribing = SubscribeOnceAsync(subscribed, stop.Token);
            if (await Task.WhenAny(_done.Task, subscribing).WaitAsync(cancellationToken).ConfigureAwait(false) != subscribing)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await subscribing.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or MqttException)
                {
                    // The run is over either way; _done says how.
                }
            }
            else
            {
                await subscribing.ConfigureAwait(false);
            }
        }

        return await _done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SubscribeOnceAsync(Action subscribed, CancellationToken cancellationToken)
    {
        while (!_subscribedOnce)
        {
            if (await TrySubscribeAllAsync(cancellationToken).ConfigureAwait(false))
            {
                subscribed();
            }
        }
    }

    /// <summary>
    /// mosquitto_sub's on-connect callback: every connect after the first subscribes to every -t again (and
    /// unsubscribes every -U), whether or not the broker kept the session.
    /// </summary>
    private void OnConnected(object? sender, MqttConnectedEventArgs e)
    {
        if (!e.IsReconnect || !_subscribedOnce || _stopped)
        {
            return;
        }

        var subscribing = Task.Run(async () =>
        {
            try
            {
                await TrySubscribeAllAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttException or CliException or ObjectDisposedException or OperationCanceledException)
            {
                _done.TrySetException(ex);
            }
        });
        lock (_removals)
        {
            _removals.Add(subscribing);
        }
    }

    private void OnDisconnected(object? sender, MqttDisconnectedEventArgs e)
    {
        if (e.WillRetry)
        {
            // ClientConnector prints the line; the client reconnects and subscribes again by itself.
            return;
        }

        // The client gave up: the run ends with its reason, as it would have at start.
        _done.TrySetException(e.Exception);
    }
}
