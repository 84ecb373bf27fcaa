namespace SecureMqtt.Tests.Hostile;

/// <summary>
/// The hostile-peer tests run alone: they watch process-wide events (unhandled and unobserved exceptions) and
/// measure managed memory, which tests running in parallel would blur.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileCollection
{
    public const string Name = "hostile peer";
}
