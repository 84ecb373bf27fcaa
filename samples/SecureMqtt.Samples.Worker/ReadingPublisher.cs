using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SecureMqtt.Packets;

namespace SecureMqtt.Samples.Worker;

/// <summary>
/// Publishes a made-up temperature reading at QoS 1 on every tick. The client is the one AddMqttClient registered:
/// the host connected it before this service started, and disconnects it after this service stopped.
/// </summary>
public sealed partial class ReadingPublisher(
    MqttClient client,
    IOptions<ReadingOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ReadingPublisher> logger) : BackgroundService
{
    /// <summary>The application's own spans; each reading's span is the parent of the library's "mqtt publish" span.</summary>
    public static readonly ActivitySource ActivitySource = new("SecureMqtt.Samples.Worker");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.Interval);
        var sequence = 0;
        do
        {
            sequence++;
            using var activity = ActivitySource.StartActivity("read and publish");
            var temperature = 20 + (5 * Math.Sin(sequence / 10.0));
            var payload = string.Create(CultureInfo.InvariantCulture, $"{{\"sequence\":{sequence},\"celsius\":{temperature:F2},\"at\":\"{DateTimeOffset.UtcNow:O}\"}}");
            activity?.SetTag("reading.sequence", sequence);
            try
            {
                var result = await client.PublishAsync(settings.Topic, Encoding.UTF8.GetBytes(payload), MqttQualityOfService.AtLeastOnce, cancellationToken: stoppingToken);
                // 0x00 has several names in MQTT 5 (Success, NormalDisconnection, GrantedQoS0); in a PUBACK it is Success.
                LogPublished(logger, sequence, settings.Topic, result.ReasonCode == 0 ? "Success" : result.ReasonCode.ToString());
            }
            catch (MqttException ex)
            {
                // Publishes during a reconnect wait in the offline queue; this is what is left: a queue full, a broker refusal.
                LogPublishFailed(logger, sequence, ex.Message);
            }

            if (settings.Count > 0 && sequence >= settings.Count)
            {
                lifetime.StopApplication();
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(1, LogLevel.Information, "Reading {Sequence} published on {Topic}: PUBACK {ReasonCode}")]
    private static partial void LogPublished(ILogger logger, int sequence, string topic, string reasonCode);

    [LoggerMessage(2, LogLevel.Warning, "Reading {Sequence} not published: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, int sequence, string reason);
}
