using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SecureMqtt.Packets;

/// <summary>Topic name and topic filter rules (MQTT 5.0 section 4.7, shared subscriptions 4.8.2).</summary>
public static class MqttTopic
{
    private const string SharePrefix = "$share/";

    /// <summary>Checks a topic name for PUBLISH: non-empty, at most 65535 UTF-8 bytes, no U+0000, no wildcards.</summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="error">Why it is invalid, when it is.</param>
    /// <returns>True when valid.</returns>
    public static bool IsValidTopicName(string topic, [NotNullWhen(false)] out string? error)
    {
        if (!IsValidString(topic, "topic name", out error))
        {
            return false;
        }

        var wildcard = topic.AsSpan().IndexOfAny('+', '#');
        if (wildcard >= 0)
        {
            error = $"a topic name cannot contain the wildcard '{topic[wildcard]}' [MQTT-3.3.2-2]";
            return false;
        }

        return true;
    }

    /// <summary>Checks a topic filter for SUBSCRIBE/UNSUBSCRIBE: wildcard placement and the $share/{group}/{filter} form.</summary>
    /// <param name="filter">The topic filter.</param>
    /// <param name="error">Why it is invalid, when it is.</param>
    /// <returns>True when valid.</returns>
    public static bool IsValidTopicFilter(string filter, [NotNullWhen(false)] out string? error)
    {
        if (!IsValidString(filter, "topic filter", out error))
        {
            return false;
        }

        var levels = filter.AsSpan();
        if (levels.StartsWith(SharePrefix, StringComparison.Ordinal))
        {
            var rest = levels[SharePrefix.Length..];
            var slash = rest.IndexOf('/');
            var shareName = slash < 0 ? rest : rest[..slash];
            if (shareName.IsEmpty || shareName.IndexOfAny('+', '#') >= 0)
            {
                error = "a shared subscription needs a share name without '/', '+' or '#' [MQTT-4.8.2-1]";
                return false;
            }

            if (slash < 0 || slash == rest.Length - 1)
            {
                error = "a shared subscription needs a topic filter after $share/{ShareName}/ [MQTT-4.8.2-2]";
                return false;
            }

            levels = rest[(slash + 1)..];
        }

        while (true)
        {
            var slash = levels.IndexOf('/');
            var level = slash < 0 ? levels : levels[..slash];
            if (level.Contains('#'))
            {
                if (level.Length != 1 || slash >= 0)
                {
                    error = "'#' must be the whole last level of a topic filter [MQTT-4.7.1-1]";
                    return false;
                }
            }
            else if (level.Contains('+') && level.Length != 1)
            {
                error = "'+' must occupy a whole level of a topic filter [MQTT-4.7.1-2]";
                return false;
            }

            if (slash < 0)
            {
                return true;
            }

            levels = levels[(slash + 1)..];
        }
    }

    /// <summary>
    /// Whether a topic name matches a filter: '+' is exactly one level (possibly empty), '#' the rest including the
    /// parent level; a filter starting with a wildcard does not match topics starting with '$'; a $share/{group}/
    /// prefix is ignored.
    /// </summary>
    /// <param name="filter">A valid topic filter.</param>
    /// <param name="topic">A valid topic name.</param>
    /// <returns>True when the topic matches.</returns>
    public static bool Matches(string filter, string topic)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(topic);
        var f = filter.AsSpan();
        if (f.StartsWith(SharePrefix, StringComparison.Ordinal))
        {
            var slash = f[SharePrefix.Length..].IndexOf('/');
            if (slash < 0)
            {
                return false;
            }

            f = f[(SharePrefix.Length + slash + 1)..];
        }

        var t = topic.AsSpan();
        if (f.IsEmpty || t.IsEmpty)
        {
            return false;
        }

        // [MQTT-4.7.2-1] Wildcards at the start of a filter do not reach into $SYS-like topics.
        if (t[0] == '$' && f[0] is '+' or '#')
        {
            return false;
        }

        while (true)
        {
            var fSlash = f.IndexOf('/');
            var fLevel = fSlash < 0 ? f : f[..fSlash];
            if (fLevel is "#")
            {
                return true;
            }

            var tSlash = t.IndexOf('/');
            var tLevel = tSlash < 0 ? t : t[..tSlash];
            if (fLevel is not "+" && !fLevel.SequenceEqual(tLevel))
            {
                return false;
            }

            if (fSlash < 0 || tSlash < 0)
            {
                // Both ended: match. Only the topic ended: "a/#" still matches its parent "a".
                return fSlash < 0 ? tSlash < 0 : f[(fSlash + 1)..] is "#";
            }

            f = f[(fSlash + 1)..];
            t = t[(tSlash + 1)..];
        }
    }

    private static bool IsValidString(string? value, string what, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrEmpty(value))
        {
            error = $"a {what} must be at least one character long [MQTT-4.7.3-1]";
            return false;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            error = $"a {what} cannot contain the null character U+0000 [MQTT-4.7.3-2]";
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                error = $"a {what} cannot contain an unpaired surrogate [MQTT-1.5.4-1]";
                return false;
            }
        }

        if (Encoding.UTF8.GetByteCount(value) > ushort.MaxValue)
        {
            error = $"a {what} must be at most 65535 UTF-8 bytes [MQTT-4.7.3-3]";
            return false;
        }

        error = null;
        return true;
    }
}
