using System.Diagnostics.CodeAnalysis;

namespace SecureMqtt.Packets;

/// <summary>Topic name and topic filter rules (MQTT 5.0 section 4.7, shared subscriptions 4.8.2).</summary>
public static class MqttTopic
{
    /// <summary>Checks a topic name for PUBLISH: non-empty, at most 65535 UTF-8 bytes, no U+0000, no wildcards.</summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="error">Why it is invalid, when it is.</param>
    /// <returns>True when valid.</returns>
    public static bool IsValidTopicName(string topic, [NotNullWhen(false)] out string? error)
        => throw new NotImplementedException();

    /// <summary>Checks a topic filter for SUBSCRIBE/UNSUBSCRIBE: wildcard placement and the $share/{group}/{filter} form.</summary>
    /// <param name="filter">The topic filter.</param>
    /// <param name="error">Why it is invalid, when it is.</param>
    /// <returns>True when valid.</returns>
    public static bool IsValidTopicFilter(string filter, [NotNullWhen(false)] out string? error)
        => throw new NotImplementedException();

    /// <summary>
    /// Whether a topic name matches a filter: '+' is exactly one level (possibly empty), '#' the rest including the
    /// parent level; a filter starting with a wildcard does not match topics starting with '$'; a $share/{group}/
    /// prefix is ignored.
    /// </summary>
    /// <param name="filter">A valid topic filter.</param>
    /// <param name="topic">A valid topic name.</param>
    /// <returns>True when the topic matches.</returns>
    public static bool Matches(string filter, string topic)
        => throw new NotImplementedException();
}
