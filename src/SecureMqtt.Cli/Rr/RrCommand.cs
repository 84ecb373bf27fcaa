using System.Buffers;
using System.CommandLine;
using System.Text;
using SecureMqtt.Cli.Common;
using SecureMqtt.Cli.Pub;
using SecureMqtt.Cli.Sub;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Rr;

/// <summary>
/// <c>smqtt rr</c>: mosquitto_rr over the SecureMqtt client. Subscribes to the response topic (-e), publishes the
/// request to -t with -e as its MQTT 5 Response Topic, prints the first message that comes back as mosquitto_sub
/// would, and exits; -W bounds the wait (exit status 27 and "Timed out", as mosquitto_rr). Like mosquitto_rr 2.0.11
/// it adds no Correlation Data of its own (give one with -D publish correlation-data), and under MQTT 3.1.1, which
/// has no Response Topic, the responder has to know -e by convention.
/// </summary>
internal static class RrCommand
{
    public static Command Create() => MosquittoCommand.Create("rr", "Send a request and print the response: takes mosquitto_rr's options (-h is the host; see 'smqtt rr --help')",
        () => RrUsage.Text, RunAsync);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliStreams streams, CancellationToken cancellationToken)
    {
        RrArguments arguments;
        try
        {
            arguments = RrArguments.Parse(args);
        }
        catch (UsageException ex)
        {
            return ErrorReport.Report(ex, "rr", streams, quiet: false, MqttProtocolVersion.V500);
        }

        var connector = new ClientConnector(arguments.Client, streams);
        await using var connectorScope = connector.ConfigureAwait(false);
        try
        {
            var options = await connector.BuildOptionsAsync(cancellationToken).ConfigureAwait(false);
            var request = await BuildRequestAsync(arguments, streams, cancellationToken).ConfigureAwait(false);
            var client = await connector.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            try
            {
                return await RunAsync(arguments, client, request, streams, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await connector.DisconnectAsync(client).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ErrorReport.IsReportable(ex))
        {
            return ErrorReport.Report(ex, "rr", streams, arguments.Client.Quiet, arguments.Client.Version);
        }
    }

    private static async Task<int> RunAsync(RrArguments arguments, MqttClient client, MqttMessage request, CliStreams streams, CancellationToken cancellationToken)
    {
        var response = new TaskCompletionSource<MqttMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        var properties = PropertyArgument.UserProperties(arguments.Client.Properties, "subscribe");
        var subscribed = await client.SubscribeAsync([new MqttSubscription(arguments.ResponseTopic!, arguments.QoS)], (message, _) =>
        {
            // -R: a retained message on the response topic is stale, not the answer to this request.
            if (!(arguments.NoRetained && message.Retain))
            {
                response.TrySetResult(message);
            }

            return ValueTask.CompletedTask;
        }, null, properties, cancellationToken).ConfigureAwait(false);
        if (!subscribed.IsSuccess)
        {
            throw new CliException($"the subscription to the response topic '{arguments.ResponseTopic}' was refused: {subscribed.Items[0].ReasonCode}");
        }

        using var timeout = arguments.Timeout is { } limit ? new CancellationTokenSource(limit) : null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout?.Token ?? CancellationToken.None);
        MqttMessage answer;
        try
        {
            await client.PublishAsync(request, linked.Token).ConfigureAwait(false);
            answer = await response.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            await streams.Error.WriteLineAsync("Timed out").ConfigureAwait(false);
            return ErrorReport.TimedOut;
        }

        var line = new ArrayBufferWriter<byte>(256);
        if (MessagePrinter.Write(line, answer, arguments.Format, arguments.Verbose, arguments.NoEndOfLine, streams.Error))
        {
            streams.Write(line.WrittenSpan);
        }

        return 0;
    }

    private static async Task<MqttMessage> BuildRequestAsync(RrArguments arguments, CliStreams streams, CancellationToken cancellationToken)
    {
        var payload = arguments.Source switch
        {
            PayloadSource.Message => Encoding.UTF8.GetBytes(arguments.Message!),
            PayloadSource.File => await File.ReadAllBytesAsync(arguments.FilePath!, cancellationToken).ConfigureAwait(false),
            PayloadSource.StdinWhole => await ReadAllAsync(streams.Input, cancellationToken).ConfigureAwait(false),
            _ => [],
        };
        var message = new MqttMessage
        {
            Topic = arguments.Topic!,
            Payload = payload,
            QualityOfService = arguments.QoS,
            ResponseTopic = arguments.Client.Version == MqttProtocolVersion.V500 ? arguments.ResponseTopic : null,
        };
        foreach (var p in arguments.Client.Properties.Where(p => p.Command == "publish"))
        {
            message = p.ApplyTo(message);
        }

        return message;
    }

    private static async Task<byte[]> ReadAllAsync(Stream input, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
