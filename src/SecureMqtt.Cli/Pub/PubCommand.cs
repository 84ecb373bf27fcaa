using System.CommandLine;
using System.Text;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Pub;

/// <summary><c>smqtt pub</c>: mosquitto_pub's options and behaviour over the SecureMqtt client.</summary>
internal static class PubCommand
{
    public static Command Create() => MosquittoCommand.Create("pub", "Publish a message: takes mosquitto_pub's options (-h is the host; see 'smqtt pub --help')", () => PubUsage.Text, RunAsync);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliStreams streams, CancellationToken cancellationToken)
    {
        PubArguments arguments;
        try
        {
            arguments = PubArguments.Parse(args);
        }
        catch (UsageException ex)
        {
            return ErrorReport.Report(ex, "pub", streams, quiet: false, MqttProtocolVersion.V311);
        }

        var connector = new ClientConnector(arguments.Client, streams);
        await using var connectorScope = connector.ConfigureAwait(false);
        try
        {
            var options = await connector.BuildOptionsAsync(cancellationToken).ConfigureAwait(false);

            // -D publish topic-alias: the client numbers aliases itself (within the broker's Topic Alias Maximum),
            // so the option turns outgoing aliases on; the number given is checked but not used (docs/cli.md).
            options = arguments.TopicAlias is null ? options : options with { UseOutgoingTopicAliases = true };
            var template = BuildMessage(arguments);
            var client = await connector.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            try
            {
                var publisher = new Publisher(client, streams);
                bool failed;
                if (arguments.Source == PayloadSource.StdinLines)
                {
                    publisher.Progress = ProgressLine.Start(streams.Error, ShowsLinesProgress(arguments, streams), () => publisher.LinesProgress(template.QualityOfService));
                    try
                    {
                        failed = await publisher.PublishLinesAsync(template, streams.Input, arguments.Client.MaxInflight, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        if (publisher.Progress is { } progress)
                        {
                            await progress.DisposeAsync().ConfigureAwait(false);
                            publisher.Progress = null;
                        }
                    }
                }
                else
                {
                    failed = await publisher.PublishRepeatedAsync(template with { Payload = await ReadPayloadAsync(arguments, streams, cancellationToken).ConfigureAwait(false) },
                        arguments.Repeat, arguments.RepeatDelay, arguments.Client.MaxInflight, cancellationToken).ConfigureAwait(false);
                }

                if (arguments.Client.StorePath is not null)
                {
                    await Publisher.WaitForEarlierRunsAsync(client, cancellationToken).ConfigureAwait(false);
                }

                return failed ? 1 : 0;
            }
            finally
            {
                await connector.DisconnectAsync(client).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ErrorReport.IsReportable(ex))
        {
            return ErrorReport.Report(ex, "pub", streams, arguments.Client.Quiet, arguments.Client.Version);
        }
    }

    /// <summary>
    /// -l's progress line only when stderr is a terminal and stdin is not (lines piped in, not typed: a redrawn line
    /// would garble the typing), and neither -d's packet lines nor -q's silence were asked for. Redirected, pub's
    /// stderr stays byte for byte mosquitto_pub's.
    /// </summary>
    private static bool ShowsLinesProgress(PubArguments arguments, CliStreams streams) =>
        streams.ErrorIsTerminal && !streams.InputIsTerminal && !arguments.Client.Debug && !arguments.Client.Quiet;

    private static MqttMessage BuildMessage(PubArguments arguments)
    {
        var message = new MqttMessage { Topic = arguments.Topic!, QualityOfService = arguments.QoS, Retain = arguments.Retain };
        foreach (var p in arguments.Client.Properties.Where(p => p.Command == "publish"))
        {
            message = p.ApplyTo(message);
        }

        // Refuses DISCONNECT properties other than user-property before connecting.
        _ = PropertyArgument.UserProperties(arguments.Client.Properties, "disconnect");

        return message;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadPayloadAsync(PubArguments arguments, CliStreams streams, CancellationToken cancellationToken)
    {
        switch (arguments.Source)
        {
            case PayloadSource.Message:
                return Encoding.UTF8.GetBytes(arguments.Message!);
            case PayloadSource.File:
                return await File.ReadAllBytesAsync(arguments.FilePath!, cancellationToken).ConfigureAwait(false);
            case PayloadSource.StdinWhole:
                using (var buffer = new MemoryStream())
                {
                    await streams.Input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
                    return buffer.ToArray();
                }

            default:
                return ReadOnlyMemory<byte>.Empty;
        }
    }
}
