using System.Buffers;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Sub;

/// <summary>
/// mosquitto_sub's message loop: filtering (-T, -R, --retained-only), printing, counting (-C), -W, -E; the client
/// reconnects after a lost connection by itself (see Subscriber.Reconnect.cs for what is printed).
/// </summary>
internal sealed partial class Subscriber(SubArguments arguments, MqttClient client, DebugPrinter debug, CliStreams streams)
{
    private readonly TaskCompletionSource<int> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _removals = [];
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private int _printed;
    private bool _stopped;

    /// <summary>
    /// Subscribes (the handler was attached with <see cref="Attach"/> before connecting), then runs until
    /// -C/-E/--retained-only/-W end it, a reconnect is refused or <paramref name="cancellationToken"/> fires (exit 0,
    /// as on Ctrl-C). A lost connection is connected again.
    /// </summary>
    public async Task<int> RunAsync(Action? onSubscribed, CancellationToken cancellationToken)
    {
        client.Disconnected += OnDisconnected;
        client.Connected += OnConnected;
        if (client.State == MqttClientState.Disconnected)
        {
            // Lost for good before the handler above was attached.
            _done.TrySetException(new MqttConnectionLostException("The connection was lost before subscribing."));
        }

        using var timeout = arguments.Timeout is { } limit ? new CancellationTokenSource(limit) : null;
        using var timedOut = timeout?.Token.Register(() =>
        {
            if (_done.TrySetResult(ErrorReport.TimedOut))
            {
                streams.Error.WriteLine("Timed out");
            }
        });

        int code;
        try
        {
            if (await TrySubscribeAllAsync(cancellationToken).ConfigureAwait(false))
            {
                SubscribedOnce(onSubscribed);
            }

            code = await KeepConnectedAsync(() => SubscribedOnce(onSubscribed), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            code = 0;
        }

        _stopped = true;
        Task[] removals;
        lock (_removals)
        {
            removals = [.. _removals];
        }

        await Task.WhenAll(removals).ConfigureAwait(false);
        return code;
    }

    /// <summary>
    /// Takes every message, whichever subscription (or resumed session) it came from, as libmosquitto's single
    /// on_message: subscribing again after a reconnect registers nothing more, so a message is never handed over
    /// twice and nothing piles up in the client's unread queue. Call it before connecting, so that the messages a
    /// resumed session delivers right after CONNACK are printed too.
    /// </summary>
    public Subscriber Attach()
    {
        client.MessageHandler = OnMessageAsync;
        return this;
    }

    private void SubscribedOnce(Action? onSubscribed)
    {
        if (_subscribedOnce)
        {
            return;
        }

        _subscribedOnce = true;
        onSubscribed?.Invoke();
        if (arguments.ExitAfterSubscribe || arguments.Topics.Count == 0)
        {
            _done.TrySetResult(0);
        }
    }

    /// <summary>What mosquitto_sub does in its on-connect callback: subscribe to every -t, then unsubscribe every -U.</summary>
    /// <returns>False when the connection was lost meanwhile (the loss is handled by reconnecting).</returns>
    private async Task<bool> TrySubscribeAllAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (arguments.Topics.Count > 0)
            {
                await SubscribeAsync(cancellationToken).ConfigureAwait(false);
            }

            if (arguments.Unsubscribe.Count > 0)
            {
                var properties = PropertyArgument.UserProperties(arguments.Client.Properties, "unsubscribe");
                await client.UnsubscribeAsync(arguments.Unsubscribe, properties, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (MqttConnectionLostException) when (client.State is MqttClientState.Reconnecting or MqttClientState.Connecting)
        {
            // The connection went while the SUBACK was awaited: the caller subscribes again on the next one.
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }
    }

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        var subscriptions = arguments.Topics
            .Select(t => new MqttSubscription(t, arguments.QoS) { RetainAsPublished = arguments.RetainAsPublished })
            .ToList();
        var properties = PropertyArgument.UserProperties(arguments.Client.Properties, "subscribe", "subscription-identifier");
        var identifier = arguments.Client.Properties.LastOrDefault(p => p.Command == "subscribe" && p.Name == "subscription-identifier")?.UInt(268_435_455);
        var result = await client.SubscribeAsync(subscriptions, null, identifier, properties, cancellationToken).ConfigureAwait(false);
        // mosquitto_sub's own line after the client's "received SUBACK".
        debug.Plain($"Subscribed (mid: {result.PacketId}): {string.Join(", ", result.Items.Select(i => (byte)i.ReasonCode))}");
        foreach (var item in result.Items.Where(i => !i.IsSuccess))
        {
            await streams.Error.WriteLineAsync($"Warning: subscription to '{item.TopicFilter}' was refused: {item.ReasonCode}.").ConfigureAwait(false);
        }

        if (result.Items.All(i => !i.IsSuccess))
        {
            throw new CliException("All subscription requests were denied.");
        }
    }

    private ValueTask OnMessageAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        if (_stopped)
        {
            return ValueTask.CompletedTask;
        }

        if (arguments.RetainedOnly && !message.Retain)
        {
            // Not printed, so not taken: with -c the broker keeps it for the next run.
            Stop(0, includingCurrent: true);
            return ValueTask.CompletedTask;
        }

        if (arguments.FilterOut.Any(f => MqttTopic.Matches(f, message.Topic)))
        {
            return ValueTask.CompletedTask;
        }

        if (arguments.RemoveRetained && message.Retain)
        {
            // An empty retained message clears the broker's copy [MQTT-3.3.1-10].
            lock (_removals)
            {
                _removals.Add(client.PublishAsync(message.Topic, ReadOnlyMemory<byte>.Empty, MqttQualityOfService.AtLeastOnce, retain: true, CancellationToken.None).AsTask());
            }
        }

        if (arguments.NoRetained && message.Retain)
        {
            return ValueTask.CompletedTask;
        }

        if (arguments.RandomFilterPercent is { } percent && Random.Shared.NextDouble() * 100 >= percent)
        {
            return ValueTask.CompletedTask;
        }

        Print(message);
        if (arguments.Count > 0 && ++_printed == arguments.Count)
        {
            Stop(0, includingCurrent: false);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Ends the run from the handler. The messages after this one (the broker may have sent many already) are not
    /// acknowledged: with -c the broker sends them again next time instead of taking them as delivered, so a
    /// <c>-c -C 1</c> loop takes every message once, as mosquitto_sub's does.
    /// </summary>
    private void Stop(int code, bool includingCurrent)
    {
        client.StopAcknowledging(includingCurrent);
        _stopped = true;
        _done.TrySetResult(code);
    }

    private void Print(MqttMessage message)
    {
        if (MessagePrinter.Write(_line, message, arguments.Format, arguments.Verbose, arguments.NoEndOfLine, streams.Error))
        {
            streams.Write(_line.WrittenSpan);
        }
    }
}
