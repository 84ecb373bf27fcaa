namespace SecureMqtt.Tests;

public class PublicApiTests
{
    [Fact]
    public void The_client_assembly_exposes_only_the_intended_public_types()
    {
        var names = typeof(MqttClient).Assembly.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal<string>(
        [
            "SecureMqtt.MqttClient",
            "SecureMqtt.MqttClientOptions",
            "SecureMqtt.MqttConnectResult",
            "SecureMqtt.MqttConnectionLostEventArgs",
            "SecureMqtt.MqttConnectionLostException",
            "SecureMqtt.MqttConnectionRefusedException",
            "SecureMqtt.MqttCredentials",
            "SecureMqtt.MqttMessage",
            "SecureMqtt.MqttPreSharedKey",
            "SecureMqtt.MqttPublishResult",
            "SecureMqtt.MqttSubscribeResult",
            "SecureMqtt.MqttSubscribeResultItem",
            "SecureMqtt.MqttTimeoutException",
            "SecureMqtt.MqttTlsException",
            "SecureMqtt.MqttTlsFailureKind",
            "SecureMqtt.MqttTlsInfo",
            "SecureMqtt.MqttTlsOptions",
            "SecureMqtt.MqttUnsubscribeResult",
            "SecureMqtt.MqttUnsubscribeResultItem",
            "SecureMqtt.Session.IMqttSessionStore",
            "SecureMqtt.Session.MqttInMemorySessionStore",
            "SecureMqtt.Session.MqttOutgoingFlight",
            "SecureMqtt.Session.MqttOutgoingFlightState",
        ], names);
    }

    [Fact]
    public void Public_types_are_sealed_or_abstract_or_interfaces()
    {
        var open = typeof(MqttClient).Assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsSealed && !t.IsAbstract)
            .Select(t => t.FullName);
        Assert.Empty(open);
    }

    [Fact]
    public void Every_async_method_takes_a_cancellation_token_last()
    {
        var offenders = typeof(MqttClient).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly))
            .Where(m => m.Name.EndsWith("Async", StringComparison.Ordinal) && m.Name != nameof(MqttClient.DisposeAsync))
            .Where(m => m.GetParameters() is var p && (p.Length == 0 || p[^1].ParameterType != typeof(CancellationToken)))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}");
        Assert.Empty(offenders);
    }
}
