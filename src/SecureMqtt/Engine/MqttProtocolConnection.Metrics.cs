using SecureMqtt.Packets;

namespace SecureMqtt.Engine;

internal sealed partial class MqttProtocolConnection
{
    // When each QoS 1/2 PUBLISH on this connection was handed to the output buffer, by packet id, for the publish
    // latency histogram. Filled only while someone listens to it; a flight retransmitted on a later connection is
    // timed from its retransmission there. Dies with the connection, so ids never acknowledged leave nothing behind.
    private readonly Dictionary<ushort, (long Started, MqttQualityOfService QoS)> _publishStarted = [];

    private void NotePublishStarted(ushort packetId, MqttQualityOfService qos)
    {
        var now = _owner.Options.TimeProvider.GetTimestamp();
        lock (_publishStarted)
        {
            _publishStarted[packetId] = (now, qos);
        }
    }

    /// <summary>
    /// PUBACK (QoS 1), PUBCOMP or a failing PUBREC (QoS 2) is about to end a flow: records its latency if it was
    /// timed. Called before the session completes the publisher's task, so whoever awaited the publish finds the
    /// measurement already recorded. An acknowledgement of the wrong kind for the flight is not its end.
    /// </summary>
    private void NotePublishEnded(in MqttAck ack, MqttQualityOfService qos)
    {
        // Read unlocked first, so that acks cost no lock while nobody measures; a racing first entry only means
        // one flow is not timed.
        if (_publishStarted.Count == 0)
        {
            return;
        }

        long started;
        lock (_publishStarted)
        {
            if (!_publishStarted.TryGetValue(ack.PacketId, out var flight) || flight.QoS != qos)
            {
                return;
            }

            _publishStarted.Remove(ack.PacketId);
            started = flight.Started;
        }

        MqttMetrics.RecordPublishDuration(_owner.Options.TimeProvider.GetElapsedTime(started), qos, ack.ReasonCode, Tags);
    }
}
