using BenchmarkDotNet.Attributes;
using SecureMqtt.Packets;

namespace SecureMqtt.Benchmarks.Client;

/// <summary>
/// <see cref="MqttClient.PublishAsync(MqttMessage, CancellationToken)"/> end to end inside the process: the client's
/// whole publish path (checks, session state, output buffer, socket, acknowledgement, completion) against
/// <see cref="AckingPeer"/> on loopback, one publish awaited at a time. Allocated bytes per publish are the figure that
/// matters; the time includes a loopback round trip per QoS 1/2 message.
/// </summary>
[MemoryDiagnoser]
public class ClientPublishBenchmarks
{
    private const int Publishes = 1000;
    private const int Window = 100;

    private AckingPeer _peer = null!;
    private MqttClient _client = null!;
    private AckingPeer _limitedPeer = null!;
    private MqttClient _limited = null!;
    private MqttMessage _message = null!;
    private readonly byte[] _payload = new byte[16];
    private readonly ValueTask<MqttPublishResult>[] _window = new ValueTask<MqttPublishResult>[Window];

    [Params(MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce, MqttQualityOfService.ExactlyOnce)]
    public MqttQualityOfService QoS { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _peer = new AckingPeer();
        _peer.Start();
        _client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = _peer.Port, ProtocolVersion = MqttProtocolVersion.V500 });
        _client.ConnectAsync().GetAwaiter().GetResult();

        // A second connection whose in-flight limit (20, Mosquitto's default Receive Maximum) is below the window.
        _limitedPeer = new AckingPeer();
        _limitedPeer.Start();
        _limited = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1", Port = _limitedPeer.Port, ProtocolVersion = MqttProtocolVersion.V500, MaximumOutgoingInFlight = 20,
        });
        _limited.ConnectAsync().GetAwaiter().GetResult();
        _message = new MqttMessage { Topic = "bench/client", Payload = _payload, QualityOfService = QoS };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _peer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _limited.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _limitedPeer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The application keeps one message and publishes it again: what the client itself costs.</summary>
    [Benchmark(OperationsPerInvoke = Publishes)]
    public async Task Publish_message()
    {
        for (var i = 0; i < Publishes; i++)
        {
            await _client.PublishAsync(_message).ConfigureAwait(false);
        }
    }

    /// <summary>The topic-and-payload overload, which builds the message for the caller.</summary>
    [Benchmark(OperationsPerInvoke = Publishes)]
    public async Task Publish_topic_and_payload()
    {
        for (var i = 0; i < Publishes; i++)
        {
            await _client.PublishAsync("bench/client", _payload, QoS).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// 100 publishes pending at a time, as a throughput publisher keeps them (smqtt bench tput): the path where
    /// acknowledgements complete publishes while new ones are written.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Publishes)]
    public Task Publish_100_in_flight() => PublishWindowAsync(_client);

    /// <summary>As <see cref="Publish_100_in_flight"/> over a limit of 20: 80 of every 100 publishes wait for a slot.</summary>
    [Benchmark(OperationsPerInvoke = Publishes)]
    public Task Publish_100_over_a_limit_of_20() => PublishWindowAsync(_limited);

    private async Task PublishWindowAsync(MqttClient client)
    {
        for (var i = 0; i < Publishes; i += Window)
        {
            for (var j = 0; j < Window; j++)
            {
                _window[j] = client.PublishAsync(_message);
            }

            for (var j = 0; j < Window; j++)
            {
                await _window[j].ConfigureAwait(false);
            }
        }
    }
}
