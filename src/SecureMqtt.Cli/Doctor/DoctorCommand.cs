using System.CommandLine;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Doctor;

/// <summary><c>smqtt doctor</c>: connects once with pub's options and reports each step of the way as OK or FAILED, with the reason and the fix.</summary>
internal static class DoctorCommand
{
    public static Command Create() => MosquittoCommand.Create("doctor",
        "Diagnose a broker connection step by step (TCP, TLS hello, certificates, host name, client certificate, CONNACK): takes pub's connection and TLS options, plus --json",
        () => DoctorUsage.Text, RunAsync);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliStreams streams, CancellationToken cancellationToken)
    {
        DoctorArguments arguments;
        try
        {
            arguments = DoctorArguments.Parse(args);
        }
        catch (UsageException ex)
        {
            return ErrorReport.Report(ex, "doctor", streams, quiet: false, MqttProtocolVersion.V311);
        }

        var connector = new ClientConnector(arguments.Client, streams);
        await using var connectorScope = connector.ConfigureAwait(false);
        MqttClientOptions options;
        try
        {
            options = await connector.BuildOptionsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ErrorReport.IsReportable(ex))
        {
            return ErrorReport.Report(ex, "doctor", streams, arguments.Client.Quiet, arguments.Client.Version);
        }

        options = options with
        {
            ConnectTimeout = arguments.Timeout,
            // -d packet lines would break --json; the report's own steps say what happened.
            LoggerFactory = arguments.Json ? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance : options.LoggerFactory,
            Tls = options.Tls is null ? null : options.Tls with { HandshakeTimeout = options.Tls.HandshakeTimeout ?? arguments.Timeout },
        };
        var steps = await new DoctorRunner(arguments, options).RunAsync(cancellationToken).ConfigureAwait(false);
        var endpoint = DoctorRunner.EndpointOf(options);
        if (arguments.Json)
        {
            DoctorReport.WriteJson(streams, endpoint.Host, endpoint.Port, steps);
        }
        else
        {
            var mode = options.Tls is null ? "plain TCP" : options.Tls.PreSharedKey is null ? "TLS" : "TLS-PSK";
            mode = endpoint.UseWebSocket ? $"WebSocket {endpoint.WebSocketPath} over {mode}" : mode;
            DoctorReport.WriteText(streams, $"{endpoint.Host}:{endpoint.Port} ({mode}, MQTT {(options.ProtocolVersion == MqttProtocolVersion.V500 ? "5.0" : "3.1.1")})", steps);
        }

        return steps.Any(s => s.Status == StepStatus.Failed) ? ExitCodes.Failure : ExitCodes.Success;
    }
}
