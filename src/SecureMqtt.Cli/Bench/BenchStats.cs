namespace SecureMqtt.Cli.Bench;

/// <summary>The counters all clients of a run add to, read by the progress line and the summary.</summary>
internal sealed class BenchStats
{
    private long _messages;
    private long _errors;
    private long _connected;
    private long _sent;

    /// <summary>Messages completed: pub, published (and acknowledged at QoS 1/2); sub, received; conn, connections made.</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Failed connects, lost connections and failed or refused publishes.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public long Connected => Interlocked.Read(ref _connected);

    /// <summary>tput: messages the publisher completed (QoS 0 buffered, QoS 1/2 acknowledged); <see cref="Messages"/> is what arrived.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>pub: publish to PUBACK/PUBCOMP (QoS 0: buffered); sub: stamp to arrival; conn: the connect.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>lat: ping published to ping received by the responder (same process, one clock): half the pipeline.</summary>
    public LatencyHistogram OneWay { get; } = new();

    /// <summary>TCP + TLS + CONNECT/CONNACK, per client.</summary>
    public LatencyHistogram Connect { get; } = new();

    /// <summary>The first error, for the summary (later ones are only counted).</summary>
    public string? FirstError { get; private set; }

    public void Message() => Interlocked.Increment(ref _messages);

    /// <summary>Counts one message and returns the new total, so that exactly one caller sees the limit reached.</summary>
    public long MessageCounted() => Interlocked.Increment(ref _messages);

    public void SentOne() => Interlocked.Increment(ref _sent);

    public void Connection() => Interlocked.Increment(ref _connected);

    public void Error(string reason)
    {
        if (Interlocked.Increment(ref _errors) == 1)
        {
            FirstError = reason;
        }
    }
}
