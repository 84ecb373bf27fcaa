using SecureMqtt.Testing;

namespace SecureMqtt.Extensions.Hosting.Tests;

/// <summary>Tests in this collection share one broker; xunit v2 needs the definition in the test assembly.</summary>
[CollectionDefinition(MosquittoFixture.CollectionName)]
public sealed class MosquittoCollection : ICollectionFixture<MosquittoFixture>;
