using System.Buffers.Binary;
using System.Text;

namespace SecureMqtt.Packets;

/// <summary>
/// Writes MQTT data representations into a span sized exactly by <see cref="WireSize"/> beforehand, so no write
/// needs a bounds decision of its own.
/// </summary>
internal ref struct WireWriter
{
    private readonly Span<byte> _span;
    private int _position;

    public WireWriter(Span<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value) => _span[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_span[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_span[_position..], value);
        _position += 4;
    }

    public void WriteVariableByteInteger(uint value) => _position += VariableByteInteger.Write(_span[_position..], value);

    /// <summary>Fixed header: type and flags, then Remaining Length.</summary>
    public void WriteFixedHeader(MqttPacketType type, byte flags, int remainingLength)
    {
        WriteByte((byte)(((int)type << 4) | flags));
        WriteVariableByteInteger((uint)remainingLength);
    }

    /// <summary>A UTF-8 Encoded String; its length was validated by <see cref="WireSize.String"/>.</summary>
    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetBytes(value, _span[(_position + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(_span[_position..], (ushort)length);
        _position += 2 + length;
    }

    /// <summary>Binary Data; its length was validated by <see cref="WireSize.Binary"/>.</summary>
    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_span[_position..]);
        _position += value.Length;
    }
}
