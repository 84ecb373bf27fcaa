// PINGREQ and PINGRESP (section 3.12 and 3.13 of both versions)
//
//  byte 1        | 1 1 0 0 (PINGREQ) or 1 1 0 1 (PINGRESP) | 0 0 0 0 |
//  byte 2        | Remaining Length: 0
using System.Buffers;

namespace SecureMqtt.Packets;

internal static class PingCodec
{
    public static MqttPacket Decode(in MqttFrame frame)
    {
        FixedHeader.Check(frame.Type, frame.Flags);
        if (frame.Body.Length != 0)
        {
            // Frames from TryReadFrame never get here; a frame built by hand still must not decode.
            FixedHeader.ThrowBodyNotAllowed(frame.Type, frame.Body.Length);
        }

        return frame.Type == MqttPacketType.PingReq ? MqttPingReqPacket.Instance : MqttPingRespPacket.Instance;
    }

    public static int Write(IBufferWriter<byte> output, MqttPacketType type)
    {
        var span = output.GetSpan(2);
        span[0] = (byte)((int)type << 4);
        span[1] = 0;
        output.Advance(2);
        return 2;
    }
}
