using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests.RabbitMq;

/// <summary>A fact that is skipped, with the reason printed, where RabbitMQ is not installed (and cannot be).</summary>
public sealed class RabbitMqFactAttribute : FactAttribute
{
    public RabbitMqFactAttribute()
    {
        if (RabbitMqBroker.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that is skipped, with the reason printed, where RabbitMQ is not installed.</summary>
public sealed class RabbitMqTheoryAttribute : TheoryAttribute
{
    public RabbitMqTheoryAttribute()
    {
        if (RabbitMqBroker.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>Tests in this collection share one RabbitMQ node; xunit v2 needs the definition in the test assembly.</summary>
[CollectionDefinition(RabbitMqFixture.CollectionName)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>;
