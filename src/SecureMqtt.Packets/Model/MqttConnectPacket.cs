namespace SecureMqtt.Packets;

/// <summary>CONNECT: the first packet a client sends.</summary>
public sealed class MqttConnectPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType Type => MqttPacketType.Connect;

    /// <summary>The protocol level to speak; also selects the encoding of this packet.</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V500;

    /// <summary>The client identifier; may be empty to let the server assign one.</summary>
    public string ClientId { get; init; } = "";

    /// <summary>Clean Start (MQTT 5) / Clean Session (MQTT 3.1.1).</summary>
    public bool CleanStart { get; init; }

    /// <summary>Keep alive in seconds; 0 turns the mechanism off.</summary>
    public ushort KeepAliveSeconds { get; init; }

    /// <summary>User name; null when absent.</summary>
    public string? Username { get; init; }

    /// <summary>Password; null when absent.</summary>
    public ReadOnlyMemory<byte>? Password { get; init; }

    /// <summary>The Will Message; null when absent.</summary>
    public MqttWill? Will { get; init; }

    /// <summary>MQTT 5: session expiry in seconds; null when absent (0).</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>MQTT 5: how many QoS 1/2 publications the client processes concurrently; null when absent (65535).</summary>
    public ushort? ReceiveMaximum { get; init; }

    /// <summary>MQTT 5: the largest packet the client accepts; null when absent (no limit).</summary>
    public uint? MaximumPacketSize { get; init; }

    /// <summary>MQTT 5: the highest topic alias the client accepts; null when absent (0).</summary>
    public ushort? TopicAliasMaximum { get; init; }

    /// <summary>MQTT 5: asks the server for Response Information in CONNACK; null when absent (false).</summary>
    public bool? RequestResponseInformation { get; init; }

    /// <summary>MQTT 5: whether the server may send Reason String and User Properties on failures; null when absent (true).</summary>
    public bool? RequestProblemInformation { get; init; }

    /// <summary>MQTT 5: user properties, in wire order.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>MQTT 5: extended authentication method; null when absent.</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>MQTT 5: extended authentication data; null when absent.</summary>
    public ReadOnlyMemory<byte>? AuthenticationData { get; init; }
}
