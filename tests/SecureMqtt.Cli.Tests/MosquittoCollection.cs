using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>One broker (plain, TLS and mutual-TLS listeners) for every test class in this assembly.</summary>
[CollectionDefinition(MosquittoFixture.CollectionName)]
public sealed class MosquittoCollection : ICollectionFixture<MosquittoFixture>;
