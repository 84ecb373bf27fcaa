namespace SecureMqtt.Testing;
/// <summary>Placeholder until the first type lands.</summary>
internal static class AssemblyMarker;
