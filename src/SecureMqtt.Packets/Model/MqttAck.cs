namespace SecureMqtt.Packets;

/// <summary>
/// PUBACK, PUBREC, PUBREL or PUBCOMP as a value: the QoS 1/2 handshake runs through these on every message, so
/// the struct form decodes and encodes without allocating when there is no reason string or user property.
/// </summary>
public readonly struct MqttAck : IEquatable<MqttAck>
{
    private readonly IReadOnlyList<MqttUserProperty>? _userProperties;

    /// <summary>Creates an acknowledgement.</summary>
    /// <param name="type">PubAck, PubRec, PubRel or PubComp.</param>
    /// <param name="packetId">The packet identifier being acknowledged.</param>
    /// <param name="reasonCode">The outcome (MQTT 5; always Success under MQTT 3.1.1).</param>
    public MqttAck(MqttPacketType type, ushort packetId, MqttReasonCode reasonCode = MqttReasonCode.Success)
    {
        if (type is < MqttPacketType.PubAck or > MqttPacketType.PubComp)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "An acknowledgement is PUBACK, PUBREC, PUBREL or PUBCOMP.");
        }

        Type = type;
        PacketId = packetId;
        ReasonCode = reasonCode;
    }

    /// <summary>PubAck, PubRec, PubRel or PubComp.</summary>
    public MqttPacketType Type { get; }

    /// <summary>The packet identifier being acknowledged.</summary>
    public ushort PacketId { get; }

    /// <summary>The outcome; Success when absent on the wire.</summary>
    public MqttReasonCode ReasonCode { get; }

    /// <summary>MQTT 5: human-readable diagnostics; null when absent.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5: user properties, in wire order; empty when absent.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties
    {
        get => _userProperties ?? Array.Empty<MqttUserProperty>();
        init => _userProperties = value;
    }

    /// <inheritdoc />
    public bool Equals(MqttAck other)
    {
        if (Type != other.Type || PacketId != other.PacketId || ReasonCode != other.ReasonCode
            || !string.Equals(ReasonString, other.ReasonString, StringComparison.Ordinal))
        {
            return false;
        }

        var mine = UserProperties;
        var theirs = other.UserProperties;
        if (mine.Count != theirs.Count)
        {
            return false;
        }

        for (var i = 0; i < mine.Count; i++)
        {
            if (mine[i] != theirs[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is MqttAck other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, PacketId, ReasonCode, ReasonString);

    /// <inheritdoc />
    public override string ToString() => $"{Type} id={PacketId} reason={ReasonCode}";

    /// <summary>Value equality, user properties compared in order.</summary>
    public static bool operator ==(MqttAck left, MqttAck right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(MqttAck left, MqttAck right) => !left.Equals(right);
}
