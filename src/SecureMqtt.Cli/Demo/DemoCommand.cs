using System.CommandLine;

namespace SecureMqtt.Cli.Demo;

/// <summary><c>smqtt demo</c>: the articles' journey (certificates, broker, TCP, TLS, MQTT, a message) in one command.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var host = new Option<string?>("--host") { Description = "Use this running broker instead of starting a local Mosquitto" };
        var port = new Option<int?>("--port") { Description = "Port of the broker given with --host (default 8883)" };
        var caFile = new Option<string?>("--cafile") { Description = "CA certificate (PEM) that issued the broker's certificate (with --host)" };
        var cert = new Option<string?>("--cert") { Description = "Client certificate (PEM) for mutual TLS (with --host)" };
        var key = new Option<string?>("--key") { Description = "Client private key (PEM) for mutual TLS (with --host; encrypted keys read SMQTT_KEY_PASSPHRASE)" };
        var topic = new Option<string?>("--topic") { Description = "Topic to publish and subscribe on (default smqtt/demo/<random>)" };
        var message = new Option<string>("--message") { Description = "The message to send", DefaultValueFactory = _ => "hello over mutual TLS" };
        var command = new Command("demo", "Make a CA, broker and device certificates, start Mosquitto with mutual TLS, and send a message through it, printing every step")
        {
            host, port, caFile, cert, key, topic, message,
        };
        CommandRunner.SetAction(command, (parseResult, output, error, cancellationToken) =>
        {
            var settings = new DemoSettings
            {
                Host = parseResult.GetValue(host),
                Port = parseResult.GetValue(port),
                CaFile = parseResult.GetValue(caFile),
                CertFile = parseResult.GetValue(cert),
                KeyFile = parseResult.GetValue(key),
                Topic = parseResult.GetValue(topic) ?? $"smqtt/demo/{Guid.NewGuid():N}",
                Message = parseResult.GetRequiredValue(message),
            };
            return DemoRunner.RunAsync(settings, output, error, cancellationToken);
        });
        return command;
    }
}

/// <summary>What <c>smqtt demo</c> was asked to do.</summary>
internal sealed record DemoSettings
{
    public string? Host { get; init; }

    public int? Port { get; init; }

    public string? CaFile { get; init; }

    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    public required string Topic { get; init; }

    public required string Message { get; init; }
}
