using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.Telemetry;

/// <summary>
/// Meters and activity sources are process-wide: a listener here would see every client of the tests running beside
/// it (and turn tracing on for them). So these tests run alone, against a broker of their own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection : ICollectionFixture<MosquittoFixture>
{
    public const string Name = "telemetry";
}
