namespace SecureMqtt.Tests;

public class PublicApiTests
{
    [Fact]
    public void The_client_assembly_exposes_only_the_intended_public_types()
    {
        var names = typeof(MqttClient).Assembly.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal<string>(
        [
            "SecureMqtt.Authentication.IMqttAuthenticationExchange",
            "SecureMqtt.Authentication.IMqttAuthenticator",
            "SecureMqtt.Authentication.MqttAuthStep",
            "SecureMqtt.Authentication.MqttAuthenticationException",
            "SecureMqtt.Authentication.MqttScramAlgorithm",
            "SecureMqtt.Authentication.MqttScramAuthenticator",
            "SecureMqtt.MqttClient",
            "SecureMqtt.MqttClientOptions",
            "SecureMqtt.MqttClientState",
            "SecureMqtt.MqttConnectResult",
            "SecureMqtt.MqttConnectedEventArgs",
            "SecureMqtt.MqttConnectionLostEventArgs",
            "SecureMqtt.MqttConnectionLostException",
            "SecureMqtt.MqttConnectionRefusedException",
            "SecureMqtt.MqttCredentials",
            "SecureMqtt.MqttDisconnectOptions",
            "SecureMqtt.MqttDisconnectedEventArgs",
            "SecureMqtt.MqttEndpoint",
            "SecureMqtt.MqttMessage",
            "SecureMqtt.MqttOfflineQueueFullException",
            "SecureMqtt.MqttOfflineQueueFullMode",
            "SecureMqtt.MqttOfflineQueueOptions",
            "SecureMqtt.MqttPreSharedKey",
            "SecureMqtt.MqttProxyException",
            "SecureMqtt.MqttProxyFailureKind",
            "SecureMqtt.MqttProxyKind",
            "SecureMqtt.MqttProxyOptions",
            "SecureMqtt.MqttPskImplementation",
            "SecureMqtt.MqttPublishResult",
            "SecureMqtt.MqttReconnectOptions",
            "SecureMqtt.MqttReconnectingEventArgs",
            "SecureMqtt.MqttSubscribeResult",
            "SecureMqtt.MqttSubscribeResultItem",
            "SecureMqtt.MqttTelemetry",
            "SecureMqtt.MqttTimeoutException",
            "SecureMqtt.MqttTlsException",
            "SecureMqtt.MqttTlsFailureKind",
            "SecureMqtt.MqttTlsInfo",
            "SecureMqtt.MqttTlsOptions",
            "SecureMqtt.MqttUnsubscribeResult",
            "SecureMqtt.MqttUnsubscribeResultItem",
            "SecureMqtt.MqttWebSocketException",
            "SecureMqtt.MqttWebSocketFailureKind",
            "SecureMqtt.MqttWebSocketOptions",
            "SecureMqtt.Session.IMqttSessionStore",
            "SecureMqtt.Session.MqttInMemorySessionStore",
            "SecureMqtt.Session.MqttOutgoingFlight",
            "SecureMqtt.Session.MqttOutgoingFlightState",
            "SecureMqtt.Session.MqttQueuedMessage",
            "SecureMqtt.Session.MqttSessionStoreException",
            "SecureMqtt.Session.MqttSessionStoreFailureKind",
            "SecureMqtt.Session.MqttStoredSession",
            "SecureMqtt.Session.MqttStoredSubscription",
        ], names);
    }

    [Fact]
    public void The_meter_and_activity_source_names_that_dashboards_and_the_hosting_package_use_stay_SecureMqtt()
    {
        Assert.Equal("SecureMqtt", MqttTelemetry.MeterName);
        Assert.Equal("SecureMqtt", MqttTelemetry.ActivitySourceName);
        Assert.Equal(MqttTelemetry.MeterName, MqttMetrics.ActivitySource.Name);
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

public class PublicMemberTests
{
    [Theory]
    [InlineData(typeof(MqttMessage), "PacketId: Nullable`1[UInt16]?")]
    [InlineData(typeof(MqttSubscribeResult), "PacketId: UInt16")]
    [InlineData(typeof(MqttTlsInfo), "ServerCertificate: X509Certificate2?", "CipherSuiteName: String", "PreSharedKeyIdentity: String?", "PskImplementation: Nullable`1[MqttPskImplementation]?")]
    [InlineData(typeof(MqttTlsOptions), "CaCertificates: X509Certificate2Collection?", "ClientCertificate: X509Certificate2?", "PskImplementation: MqttPskImplementation")]
    [InlineData(typeof(MqttPreSharedKey), "IsDisposed: Boolean", "Key: ReadOnlyMemory`1[Byte]")]
    [InlineData(typeof(MqttClientOptions), "ConnectUserProperties: IReadOnlyList`1[MqttUserProperty]", "RequestProblemInformation: Boolean", "RequestResponseInformation: Boolean")]
    public void Properties_tools_rely_on_keep_their_type_and_nullability(Type type, params string[] expected)
    {
        var context = new System.Reflection.NullabilityInfoContext();
        var actual = type.GetProperties().Select(p => $"{p.Name}: {Name(p.PropertyType)}{(context.Create(p).ReadState == System.Reflection.NullabilityState.Nullable ? "?" : string.Empty)}").ToList();
        Assert.All(expected, e => Assert.Contains(e, actual));

        static string Name(Type t) => t.IsGenericType ? $"{t.Name}[{string.Join(",", t.GetGenericArguments().Select(a => a.Name))}]" : t.Name;
    }

    [Fact]
    public void Subscribe_unsubscribe_and_disconnect_take_user_properties_before_the_cancellation_token()
    {
        var signatures = typeof(MqttClient).GetMethods()
            .Where(m => m.Name is nameof(MqttClient.SubscribeAsync) or nameof(MqttClient.UnsubscribeAsync) or nameof(MqttClient.DisconnectAsync))
            .Select(m => $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.Name))})")
            .Order(StringComparer.Ordinal);
        Assert.Equal(
        [
            "DisconnectAsync(options, cancellationToken)",
            "DisconnectAsync(reasonCode, userProperties, cancellationToken)",
            "SubscribeAsync(subscriptions, handler, subscriptionIdentifier, userProperties, cancellationToken)",
            "SubscribeAsync(topicFilter, maximumQoS, handler, cancellationToken)",
            "UnsubscribeAsync(topicFilter, cancellationToken)",
            "UnsubscribeAsync(topicFilters, userProperties, cancellationToken)",
        ], signatures);
        Assert.True(typeof(IDisposable).IsAssignableFrom(typeof(MqttPreSharedKey)));
    }
}
