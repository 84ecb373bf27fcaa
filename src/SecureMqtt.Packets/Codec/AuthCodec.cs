// AUTH (MQTT 5.0 only, section 3.15)
//
//  byte 1        | 1 1 1 1 | 0 0 0 0 |
//  byte 2..5     | Remaining Length (VBI): 0 means Success without properties
//  variable hdr  | Authenticate Reason Code (1 byte): 0x00 Success, 0x18 Continue authentication, 0x19 Re-authenticate
//                | Property Length (VBI) + properties (Authentication Method, Authentication Data, Reason String, User Property)
using System.Buffers;
using System.Diagnostics;

namespace SecureMqtt.Packets;

internal static class AuthCodec
{
    public static MqttAuthPacket Decode(in MqttFrame frame, MqttProtocolVersion version)
    {
        if (version != MqttProtocolVersion.V500)
        {
            // Packet type 15 is reserved in MQTT 3.1.1 (section 2.2.1 of that specification).
            Malformed.Throw("AUTH (packet type 15) does not exist in MQTT 3.1.1", "2.2.1");
        }

        FixedHeader.Check(frame.Type, frame.Flags);
        var reader = new SequenceReader<byte>(frame.Body);
        if (!ReasonCodeAndProperties.TryRead(ref reader, "AUTH", PropertyContext.Auth, IsDefined, "3.15.2.1", out var reasonCode, out var p))
        {
            return new MqttAuthPacket();
        }

        return new MqttAuthPacket
        {
            ReasonCode = reasonCode,
            AuthenticationMethod = p.AuthenticationMethod,
            AuthenticationData = p.AuthenticationData,
            ReasonString = p.ReasonString,
            UserProperties = p.UserPropertiesOrEmpty,
        };
    }

    public static int GetRemainingLength(MqttAuthPacket packet, MqttProtocolVersion version, out int propertiesLength)
    {
        if (version != MqttProtocolVersion.V500)
        {
            throw new ArgumentException("AUTH exists only in MQTT 5.0.", nameof(version));
        }

        if (!IsDefined(packet.ReasonCode))
        {
            throw new ArgumentException($"AUTH reason code {packet.ReasonCode} is not defined for AUTH.", nameof(packet));
        }

        propertiesLength = PropertySize.Authentication(packet.AuthenticationMethod, packet.AuthenticationData)
            + PropertySize.String(packet.ReasonString, nameof(packet.ReasonString))
            + PropertySize.UserProperties(packet.UserProperties);
        if (propertiesLength == 0 && packet.ReasonCode == MqttReasonCode.Success)
        {
            // 3.15.2.1: Success without properties may be sent as an empty body.
            return 0;
        }

        return 1 + PropertySize.Block(propertiesLength);
    }

    public static int Write(IBufferWriter<byte> output, MqttAuthPacket packet, MqttProtocolVersion version)
    {
        var remainingLength = GetRemainingLength(packet, version, out var propertiesLength);
        var size = WireSize.Packet(remainingLength, "AUTH");
        var writer = new WireWriter(output.GetSpan(size));
        writer.WriteFixedHeader(MqttPacketType.Auth, 0, remainingLength);
        if (remainingLength > 0)
        {
            writer.WriteByte((byte)packet.ReasonCode);
            writer.WriteVariableByteInteger((uint)propertiesLength);
            PropertyWriter.String(ref writer, PropertyId.AuthenticationMethod, packet.AuthenticationMethod);
            PropertyWriter.Binary(ref writer, PropertyId.AuthenticationData, packet.AuthenticationData);
            PropertyWriter.String(ref writer, PropertyId.ReasonString, packet.ReasonString);
            PropertyWriter.UserProperties(ref writer, packet.UserProperties);
        }

        Debug.Assert(writer.Position == size, "AUTH size computation and writing disagree");
        output.Advance(size);
        return size;
    }

    private static bool IsDefined(MqttReasonCode code) => code is MqttReasonCode.Success or MqttReasonCode.ContinueAuthentication or MqttReasonCode.ReAuthenticate;
}
