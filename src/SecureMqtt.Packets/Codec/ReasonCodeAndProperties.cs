using System.Buffers;

namespace SecureMqtt.Packets;

/// <summary>
/// The MQTT 5.0 body of DISCONNECT and AUTH (sections 3.14.2, 3.15.2): a Reason Code, then a property block. Both may
/// be left off the end: an empty body stands for the default Reason Code, a body of the code alone for no properties.
/// </summary>
internal static class ReasonCodeAndProperties
{
    /// <summary>Reads the Reason Code and, when the body goes on, the properties, which must end the body.</summary>
    /// <returns>False for an empty body, which leaves <paramref name="reasonCode"/> and <paramref name="properties"/> at their defaults.</returns>
    public static bool TryRead(ref SequenceReader<byte> reader, string packet, PropertyContext context, Func<MqttReasonCode, bool> isDefined, string rule, out MqttReasonCode reasonCode, out MqttProperties properties)
    {
        reasonCode = default;
        properties = default;
        if (reader.End)
        {
            return false;
        }

        reasonCode = (MqttReasonCode)WireReader.ReadByte(ref reader, "Reason Code");
        if (!isDefined(reasonCode))
        {
            Malformed.ThrowProtocolError($"{packet} has Reason Code 0x{(byte)reasonCode:X2}, which is not defined for it", rule);
        }

        if (!reader.End)
        {
            PropertyReader.Read(ref reader, context, packet, ref properties);
            WireReader.EnsureConsumed(ref reader, packet);
        }

        return true;
    }
}
