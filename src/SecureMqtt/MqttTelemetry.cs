namespace SecureMqtt;

/// <summary>
/// The names OpenTelemetry (or any <see cref="System.Diagnostics.Metrics.MeterListener"/> and
/// <see cref="System.Diagnostics.ActivityListener"/>) subscribes to: <c>AddMeter(MqttTelemetry.MeterName)</c> and
/// <c>AddSource(MqttTelemetry.ActivitySourceName)</c>. docs/telemetry.md lists every instrument and span.
/// </summary>
public static class MqttTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> every client's instruments belong to: "SecureMqtt".</summary>
    public const string MeterName = "SecureMqtt";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of the connect, publish and process spans: "SecureMqtt".</summary>
    public const string ActivitySourceName = "SecureMqtt";
}
