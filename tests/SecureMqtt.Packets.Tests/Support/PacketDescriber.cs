using System.Collections;
using System.Reflection;
using System.Text;

namespace SecureMqtt.Packets.Tests.Support;

/// <summary>
/// Structural comparison of packets: every public property, recursively, rendered to one canonical string, so a
/// field added to a packet class is compared without anyone remembering to add it here, and a failure shows the diff.
/// </summary>
internal static class PacketDescriber
{
    public static string Describe(object? value)
    {
        var builder = new StringBuilder();
        Append(builder, value, 0);
        return builder.ToString();
    }

    public static void AssertEqual(object expected, object actual) => Assert.Equal(Describe(expected), Describe(actual));

    private static void Append(StringBuilder builder, object? value, int depth)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                return;
            case string s:
                builder.Append('"').Append(s).Append('"');
                return;
            case ReadOnlyMemory<byte> memory:
                builder.Append("0x").Append(Convert.ToHexString(memory.Span));
                return;
            case Enum or bool or byte or ushort or uint or int or MqttUserProperty:
                builder.Append(value);
                return;
            case IEnumerable items:
                builder.Append('[');
                var first = true;
                foreach (var item in items)
                {
                    if (!first)
                    {
                        builder.Append(", ");
                    }

                    first = false;
                    Append(builder, item, depth + 1);
                }

                builder.Append(']');
                return;
        }

        if (depth > 5)
        {
            throw new InvalidOperationException("packet graph too deep");
        }

        var type = value.GetType();
        builder.Append(type.Name).Append(" {");
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract")
            {
                continue;
            }

            builder.Append("\n").Append(' ', (depth + 1) * 2).Append(property.Name).Append(" = ");
            Append(builder, property.GetValue(value), depth + 1);
        }

        builder.Append(" }");
    }
}
