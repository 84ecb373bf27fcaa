namespace SecureMqtt.Packets;

/// <summary>PINGREQ: keep-alive probe from the client. It has no content, so one instance serves everyone.</summary>
public sealed class MqttPingReqPacket : MqttPacket
{
    private MqttPingReqPacket()
    {
    }

    /// <summary>The single instance.</summary>
    public static MqttPingReqPacket Instance { get; } = new();

    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.PingReq;
}

/// <summary>PINGRESP: the server's answer to PINGREQ. It has no content, so one instance serves everyone.</summary>
public sealed class MqttPingRespPacket : MqttPacket
{
    private MqttPingRespPacket()
    {
    }

    /// <summary>The single instance.</summary>
    public static MqttPingRespPacket Instance { get; } = new();

    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.PingResp;
}
