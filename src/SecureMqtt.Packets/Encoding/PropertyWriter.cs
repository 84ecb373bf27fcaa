namespace SecureMqtt.Packets;

/// <summary>
/// Sizes of MQTT 5 properties (identifier byte plus value), zero when the property is absent. Values that could
/// never be valid on the wire are refused with <see cref="ArgumentException"/>.
/// </summary>
internal static class PropertySize
{
    public static int Byte(byte? value) => value.HasValue ? 2 : 0;

    public static int UInt16(ushort? value) => value.HasValue ? 3 : 0;

    public static int UInt32(uint? value) => value.HasValue ? 5 : 0;

    public static int String(string? value, string field) => value is null ? 0 : 1 + WireSize.String(value, field);

    public static int Binary(ReadOnlyMemory<byte>? value, string field) => value is null ? 0 : 1 + WireSize.Binary(value.Value.Length, field);

    /// <summary>Authentication Data is only meaningful with its method (3.1.2.11.10).</summary>
    public static int Authentication(string? method, ReadOnlyMemory<byte>? data)
    {
        if (data is not null && method is null)
        {
            throw new ArgumentException("Authentication Data needs an Authentication Method.", nameof(data));
        }

        return String(method, "AuthenticationMethod") + Binary(data, "AuthenticationData");
    }

    public static int NonZero(ushort? value, string field)
    {
        if (value == 0)
        {
            throw new ArgumentException($"{field} cannot be 0 on the wire.", field);
        }

        return UInt16(value);
    }

    public static int NonZero(uint? value, string field)
    {
        if (value == 0)
        {
            throw new ArgumentException($"{field} cannot be 0 on the wire.", field);
        }

        return UInt32(value);
    }

    public static int SubscriptionIdentifier(uint value, string field)
    {
        if (value is 0 or > VariableByteInteger.MaxValue)
        {
            throw new ArgumentException($"{field} must be between 1 and 268435455.", field);
        }

        return 1 + VariableByteInteger.GetSize(value);
    }

    public static int UserProperties(IReadOnlyList<MqttUserProperty> properties)
    {
        var size = 0;
        for (var i = 0; i < properties.Count; i++)
        {
            var property = properties[i];
            size += 1 + WireSize.String(property.Name, "User Property name") + WireSize.String(property.Value, "User Property value");
        }

        return size;
    }

    /// <summary>A whole block: the Property Length prefix plus the properties.</summary>
    public static int Block(int propertiesLength) => VariableByteInteger.GetSize((uint)propertiesLength) + propertiesLength;

    public static byte? Flag(bool? value) => value is null ? null : value.Value ? (byte)1 : (byte)0;
}

/// <summary>Writes MQTT 5 properties; absent ones write nothing.</summary>
internal static class PropertyWriter
{
    public static void Byte(ref WireWriter writer, byte id, byte? value)
    {
        if (value.HasValue)
        {
            writer.WriteByte(id);
            writer.WriteByte(value.Value);
        }
    }

    public static void UInt16(ref WireWriter writer, byte id, ushort? value)
    {
        if (value.HasValue)
        {
            writer.WriteByte(id);
            writer.WriteUInt16(value.Value);
        }
    }

    public static void UInt32(ref WireWriter writer, byte id, uint? value)
    {
        if (value.HasValue)
        {
            writer.WriteByte(id);
            writer.WriteUInt32(value.Value);
        }
    }

    public static void String(ref WireWriter writer, byte id, string? value)
    {
        if (value is not null)
        {
            writer.WriteByte(id);
            writer.WriteString(value);
        }
    }

    public static void Binary(ref WireWriter writer, byte id, ReadOnlyMemory<byte>? value)
    {
        if (value.HasValue)
        {
            writer.WriteByte(id);
            writer.WriteBinary(value.Value.Span);
        }
    }

    public static void SubscriptionIdentifier(ref WireWriter writer, uint value)
    {
        writer.WriteByte(PropertyId.SubscriptionIdentifier);
        writer.WriteVariableByteInteger(value);
    }

    public static void UserProperties(ref WireWriter writer, IReadOnlyList<MqttUserProperty> properties)
    {
        for (var i = 0; i < properties.Count; i++)
        {
            var property = properties[i];
            writer.WriteByte(PropertyId.UserProperty);
            writer.WriteString(property.Name);
            writer.WriteString(property.Value);
        }
    }
}
