using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SecureMqtt.Samples.Worker;

// appsettings.json sits next to the program, so it is found whatever the working directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// The client: options from the "Mqtt" section (environment variables such as Mqtt__Port override it), validated at
// start, logging through the host, connected before the publisher below starts and disconnected after it stops.
builder.Services.AddMqttClient(builder.Configuration.GetSection("Mqtt"));

builder.Services.Configure<ReadingOptions>(builder.Configuration.GetSection("Readings"));
builder.Services.AddHostedService<ReadingPublisher>();

// The library's meter and ActivitySource are both named "SecureMqtt"; nothing else is needed to collect them.
var exportInterval = builder.Configuration.GetValue("Telemetry:MetricExportIntervalSeconds", 5);
builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService("securemqtt-sample-worker"))
    .WithMetrics(metrics => metrics
        .AddMeter("SecureMqtt")
        .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = exportInterval * 1000))
    .WithTracing(tracing => tracing
        .AddSource("SecureMqtt", ReadingPublisher.ActivitySource.Name)
        .AddConsoleExporter());

await builder.Build().RunAsync();
