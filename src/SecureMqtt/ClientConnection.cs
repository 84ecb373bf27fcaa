using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecureMqtt.Packets;
using SecureMqtt.Session;
using SecureMqtt.Transport;

namespace SecureMqtt;

/// <summary>Everything that lives exactly as long as one connection: the transport, its loops and negotiated limits.</summary>
internal sealed class ClientConnection(MqttConnection connection, MqttProtocolVersion version)
{
    private int _terminated;

    public MqttConnection Connection { get; } = connection;

    public MqttProtocolVersion Version { get; } = version;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The client's logger, for the per-packet Debug lines written by the static write helpers.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    public TimeSpan KeepAlive { get; set; }

    public uint BrokerMaximumPacketSize { get; set; } = 268_435_460;

    public MqttQualityOfService MaximumQoS { get; set; } = MqttQualityOfService.ExactlyOnce;

    public bool RetainAvailable { get; set; } = true;

    public SendQuota Quota { get; set; } = new(ushort.MaxValue);

    public InboundTopicAliases InboundAliases { get; set; } = new(0);

    public OutboundTopicAliases OutboundAliases { get; set; } = new(0);

    public Task ReadLoop { get; set; } = Task.CompletedTask;

    public Task FlushLoop { get; set; } = Task.CompletedTask;

    public Task KeepAliveLoop { get; set; } = Task.CompletedTask;

    /// <summary>Completes when the connection is closed and its loops have ended.</summary>
    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? TerminationReason { get; private set; }

    public bool IsAlive => Volatile.Read(ref _terminated) == 0;

    /// <summary>True exactly once: the caller that wins runs the shutdown.</summary>
    public bool TryTerminate(Exception reason)
    {
        if (Interlocked.Exchange(ref _terminated, 1) != 0)
        {
            return false;
        }

        TerminationReason = reason;
        return true;
    }
}
