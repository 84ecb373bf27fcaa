using System.CommandLine;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Bench;

/// <summary><c>smqtt bench pub|sub|conn</c>: load and latency in the emqtt-bench manner, over pub's connection and TLS options.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Load-test a broker in the emqtt-bench manner: many clients publishing, subscribing or connecting (see 'smqtt bench pub --help')")
    {
        Mode(BenchMode.Pub, "Clients publish (-c clients, -I interval ms, -L messages each, -q, -s bytes); latency to PUBACK/PUBCOMP"),
        Mode(BenchMode.Sub, "Clients subscribe and count what arrives; latency from a bench publisher's stamp"),
        Mode(BenchMode.Conn, "Clients connect and hold the connections; latency is the connect"),
        Mode(BenchMode.Tput, "One publisher and one subscriber end to end (-L messages, -q, -s, -M in flight): received per second, lost"),
        Mode(BenchMode.Lat, "One ping-pong round trip at a time between two clients (-L round trips, -q): p50/p90/p99/max"),
    };

    /// <summary>Runs one bench; <paramref name="onReady"/> is called once the clients are connected (and subscribed): tests publish then.</summary>
    public static async Task<int> RunAsync(BenchMode mode, IReadOnlyList<string> args, CliStreams streams, Action? onReady, CancellationToken cancellationToken)
    {
        var tool = $"bench {BenchArguments.ModeName(mode)}";
        BenchArguments arguments;
        try
        {
            arguments = BenchArguments.Parse(mode, args);
        }
        catch (UsageException ex)
        {
            return ErrorReport.Report(ex, tool, streams, quiet: false, MqttProtocolVersion.V311);
        }

        try
        {
            return await new BenchRunner(arguments, streams, onReady).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ErrorReport.IsReportable(ex))
        {
            return ErrorReport.Report(ex, tool, streams, arguments.Client.Quiet, arguments.Client.Version);
        }
    }

    private static Command Mode(BenchMode mode, string description) =>
        MosquittoCommand.Create(BenchArguments.ModeName(mode), description, () => BenchUsage.Text, (args, streams, cancellationToken) => RunAsync(mode, args, streams, null, cancellationToken));
}
