using BenchmarkDotNet.Attributes;
using SecureMqtt.Packets;

namespace SecureMqtt.Benchmarks.Client;

/// <summary>
/// The client's receive path inside the process: <see cref="AckingPeer"/> pushes a batch of MQTT 5 PUBLISH packets
/// (16-byte payload, one topic) and the client decodes, acknowledges (QoS 1) and hands each to
/// <see cref="MqttClient.MessageHandler"/>, which only counts, or, with <see cref="ViaReader"/>, to a
/// <see cref="MqttClient.ReadMessagesAsync"/> reader that only counts (and returns pooled messages). Allocated bytes per
/// received message are the figure that matters: the payload the application keeps is 16 bytes (40 with its array
/// header), the rest is the client's. The reader rows also show what it costs that a QoS 1 message's PUBACK waits
/// for the reader to ask for the next one.
/// </summary>
[MemoryDiagnoser]
public class ClientReceiveBenchmarks
{
    private const int Messages = 1000;
    private const string Topic = "bench/receive/16";

    private readonly ManualResetEventSlim _done = new();
    private AckingPeer _peer = null!;
    private MqttClient _client = null!;
    private byte[] _batch = null!;
    private int _received;

    [Params(MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce)]
    public MqttQualityOfService QoS { get; set; }

    [Params(false, true)]
    public bool Pooled { get; set; }

    [Params(false, true)]
    public bool ViaReader { get; set; }

    private CancellationTokenSource? _stopReading;
    private Task _reading = Task.CompletedTask;

    [GlobalSetup]
    public void Setup()
    {
        _peer = new AckingPeer();
        _peer.Start();
        _client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = _peer.Port,
            ProtocolVersion = MqttProtocolVersion.V500,
            PoolIncomingMessages = Pooled,
        });
        if (ViaReader)
        {
            _stopReading = new CancellationTokenSource();
            _reading = Task.Run(() => ReadAsync(_stopReading.Token));
        }
        else
        {
            _client.MessageHandler = OnMessage;
        }

        _client.ConnectAsync().GetAwaiter().GetResult();
        _batch = BuildBatch(QoS);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stopReading?.Cancel();
        try
        {
            _reading.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        _stopReading?.Dispose();
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _peer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _done.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public void Receive()
    {
        Volatile.Write(ref _received, 0);
        _done.Reset();
        _peer.Push(_batch);
        _done.Wait();
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in _client.ReadMessagesAsync(cancellationToken))
        {
            message.Return();
            await OnMessage(message, cancellationToken);
        }
    }

    private ValueTask OnMessage(MqttMessage message, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _received) == Messages)
        {
            _done.Set();
        }

        return ValueTask.CompletedTask;
    }

    private static byte[] BuildBatch(MqttQualityOfService qos)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var payload = new byte[16];
        for (var i = 0; i < Messages; i++)
        {
            MqttPacketWriter.Write(output, new MqttPublishPacket
            {
                Topic = Topic,
                Payload = payload,
                QualityOfService = qos,
                PacketId = qos == MqttQualityOfService.AtMostOnce ? (ushort)0 : (ushort)(i % 60000 + 1),
            }, MqttProtocolVersion.V500);
        }

        return output.WrittenSpan.ToArray();
    }
}
