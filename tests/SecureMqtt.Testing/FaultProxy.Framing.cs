namespace SecureMqtt.Testing;

public sealed partial class FaultProxy
{
    /// <summary>
    /// Follows MQTT packet boundaries in a relayed byte stream from the fixed headers alone: one type-and-flags
    /// byte, then the Remaining Length as a variable byte integer (7 bits a byte, high bit "more", at most four
    /// bytes), then that many bytes. The proxy needs no more than that to cut right after a chosen packet, and it
    /// stays independent of the codec under test. A reserved packet type 0 or a fifth length byte makes it give up
    /// for the rest of the connection, so a stream that is plainly not MQTT stops producing made-up boundaries
    /// (other non-MQTT streams, such as TLS records, are parsed as nonsense: use the cut hook on plain MQTT only).
    /// </summary>
    internal sealed class MqttFrameTracker
    {
        private const int MaxLengthBytes = 4;

        private State _state = State.TypeByte;
        private byte _type;
        private int _remaining;
        private int _lengthBytes;
        private int _shift;

        private enum State
        {
            TypeByte,
            Length,
            Body,
            Lost,
        }

        /// <summary>Whether the stream stopped looking like MQTT; no more packets are reported.</summary>
        public bool IsLost => _state == State.Lost;

        /// <summary>Complete packets seen so far.</summary>
        public long PacketsSeen { get; private set; }

        /// <summary>
        /// Consumes bytes up to and including the end of the next complete packet, or all of
        /// <paramref name="data"/> when no packet ends in it.
        /// </summary>
        /// <param name="data">The next bytes of the stream.</param>
        /// <param name="completedTypeByte">The first byte of the packet that ended, when one did.</param>
        /// <returns>How many bytes were consumed.</returns>
        public int Advance(ReadOnlySpan<byte> data, out byte? completedTypeByte)
        {
            completedTypeByte = null;
            var i = 0;
            while (i < data.Length)
            {
                switch (_state)
                {
                    case State.Lost:
                        return data.Length;

                    case State.TypeByte:
                        _type = data[i++];
                        if (_type >> 4 == 0)
                        {
                            _state = State.Lost; // packet type 0 is reserved: this is not an MQTT stream
                            break;
                        }

                        _remaining = 0;
                        _lengthBytes = 0;
                        _shift = 0;
                        _state = State.Length;
                        break;

                    case State.Length:
                        var b = data[i++];
                        _remaining |= (b & 0x7F) << _shift;
                        _shift += 7;
                        _lengthBytes++;
                        if ((b & 0x80) != 0)
                        {
                            if (_lengthBytes == MaxLengthBytes)
                            {
                                _state = State.Lost; // [MQTT-1.5.5]: a fifth length byte is malformed
                            }

                            break;
                        }

                        if (_remaining == 0)
                        {
                            return Complete(i, out completedTypeByte);
                        }

                        _state = State.Body;
                        break;

                    case State.Body:
                        var take = Math.Min(_remaining, data.Length - i);
                        i += take;
                        _remaining -= take;
                        if (_remaining == 0)
                        {
                            return Complete(i, out completedTypeByte);
                        }

                        break;
                }
            }

            return i;
        }

        private int Complete(int consumed, out byte? completedTypeByte)
        {
            completedTypeByte = _type;
            PacketsSeen++;
            _state = State.TypeByte;
            return consumed;
        }
    }
}
