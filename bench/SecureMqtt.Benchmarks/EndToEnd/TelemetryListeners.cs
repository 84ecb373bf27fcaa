using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SecureMqtt.Benchmarks.EndToEnd;

/// <summary>
/// `--listen metrics|traces|all`: listeners on the meter and activity source "SecureMqtt" standing in for an
/// OpenTelemetry SDK (every instrument enabled and its values summed; every span recorded), so the bench shows what
/// the client's own telemetry costs per message when someone collects it. The SDK's aggregation and export come on top.
/// </summary>
internal sealed class TelemetryListeners : IDisposable
{
    private readonly MeterListener? _meters;
    private readonly ActivityListener? _activities;
    private long _measurements;
    private long _spans;

    public TelemetryListeners(string? what)
    {
        if (what is "metrics" or "all")
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == MqttTelemetry.MeterName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _meters.Start();
        }

        if (what is "traces" or "all")
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == MqttTelemetry.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _ => Interlocked.Increment(ref _spans),
            };
            ActivitySource.AddActivityListener(_activities);
        }
    }

    public string Describe() => _meters is null && _activities is null
        ? "no telemetry listener"
        : $"listening to {(_meters is null ? string.Empty : "metrics ")}{(_activities is null ? string.Empty : "traces ")}({Interlocked.Read(ref _measurements)} measurements, {Interlocked.Read(ref _spans)} spans)";

    public void Dispose()
    {
        _meters?.Dispose();
        _activities?.Dispose();
    }
}
