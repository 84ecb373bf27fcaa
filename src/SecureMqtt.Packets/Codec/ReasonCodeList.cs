using System.Buffers;

namespace SecureMqtt.Packets;

/// <summary>
/// What SUBACK and the MQTT 5.0 UNSUBACK carry after their Packet Identifier (sections 3.9.2-3.9.3, 3.11.2-3.11.3):
/// a property block that may hold only Reason String and User Property, then one Reason Code per topic filter of
/// the request, in order, at least one.
/// </summary>
internal static class ReasonCodeList
{
    /// <summary>Reads the rest of the body as Reason Codes, refusing an empty list and codes <paramref name="isDefined"/> rejects.</summary>
    public static MqttReasonCode[] Read(ref SequenceReader<byte> reader, string packet, Func<MqttReasonCode, bool> isDefined, string emptyRule, string undefinedRule)
    {
        if (reader.End)
        {
            Malformed.ThrowProtocolError($"{packet} contains no reason code", emptyRule);
        }

        var codes = new MqttReasonCode[reader.Remaining];
        for (var i = 0; i < codes.Length; i++)
        {
            reader.TryRead(out var code);
            codes[i] = (MqttReasonCode)code;
            if (!isDefined(codes[i]))
            {
                Malformed.ThrowProtocolError($"{packet} has Reason Code 0x{code:X2}, which is not defined for it", undefinedRule);
            }
        }

        return codes;
    }

    /// <summary>The encoder holds itself to the same rules as <see cref="Read"/>.</summary>
    public static void Require(IReadOnlyList<MqttReasonCode> codes, string packet, Func<MqttReasonCode, bool> isDefined, string paramName)
    {
        if (codes.Count == 0)
        {
            throw new ArgumentException($"{packet} needs at least one reason code.", paramName);
        }

        for (var i = 0; i < codes.Count; i++)
        {
            if (!isDefined(codes[i]))
            {
                throw new ArgumentException($"{packet} reason code {codes[i]} is not defined for {packet} in this protocol version.", paramName);
            }
        }
    }

    public static int PropertiesLength(string? reasonString, IReadOnlyList<MqttUserProperty> userProperties)
        => PropertySize.String(reasonString, "ReasonString") + PropertySize.UserProperties(userProperties);

    public static void WriteProperties(ref WireWriter writer, int propertiesLength, string? reasonString, IReadOnlyList<MqttUserProperty> userProperties)
    {
        writer.WriteVariableByteInteger((uint)propertiesLength);
        PropertyWriter.String(ref writer, PropertyId.ReasonString, reasonString);
        PropertyWriter.UserProperties(ref writer, userProperties);
    }

    public static void WriteCodes(ref WireWriter writer, IReadOnlyList<MqttReasonCode> codes)
    {
        for (var i = 0; i < codes.Count; i++)
        {
            writer.WriteByte((byte)codes[i]);
        }
    }
}
