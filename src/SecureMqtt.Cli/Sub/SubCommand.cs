using System.CommandLine;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Sub;

/// <summary><c>smqtt sub</c>: mosquitto_sub's options and output over the SecureMqtt client.</summary>
internal static class SubCommand
{
    public static Command Create() => MosquittoCommand.Create("sub", "Subscribe and print messages: takes mosquitto_sub's options (-h is the host; see 'smqtt sub --help')",
        () => SubUsage.Text, (args, streams, cancellationToken) => RunAsync(args, streams, null, cancellationToken));

    /// <summary>Runs smqtt sub; <paramref name="onSubscribed"/> is called when the first SUBACK arrived (tests wait for it), not again after a reconnect.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliStreams streams, Action? onSubscribed, CancellationToken cancellationToken)
    {
        SubArguments arguments;
        try
        {
            arguments = SubArguments.Parse(args);
        }
        catch (UsageException ex)
        {
            return ErrorReport.Report(ex, "sub", streams, quiet: false, MqttProtocolVersion.V311);
        }

        var connector = new ClientConnector(arguments.Client, streams);
        await using var connectorScope = connector.ConfigureAwait(false);
        try
        {
            // The handler prints each message into its own line buffer before it returns, so it may take pooled
            // messages: receiving then allocates nothing per message.
            var options = await connector.BuildOptionsAsync(cancellationToken).ConfigureAwait(false) with { PoolIncomingMessages = true };
            Subscriber? subscriber = null;
            var client = await connector.ConnectAsync(options, cancellationToken,
                c => subscriber = new Subscriber(arguments, c, connector.Debug, streams).Attach()).ConfigureAwait(false);
            try
            {
                return await subscriber!.RunAsync(onSubscribed, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await connector.DisconnectAsync(client).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ErrorReport.IsReportable(ex))
        {
            return ErrorReport.Report(ex, "sub", streams, arguments.Client.Quiet, arguments.Client.Version);
        }
    }
}
