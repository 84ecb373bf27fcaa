using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Pki;
using SecureMqtt.Testing;
using Xunit.Abstractions;

namespace SecureMqtt.IntegrationTests.RabbitMq;

/// <summary>
/// RabbitMQ 3.10 (Debian's, with its MQTT plugin) as a second real broker: the same client API against a broker
/// that speaks MQTT 3.1.1 only, stores retained messages itself and grants at most QoS 1.
/// </summary>
[Collection(RabbitMqFixture.CollectionName)]
public class RabbitMqTests(RabbitMqFixture fixture, ITestOutputHelper output)
{
    public enum Port
    {
        Plain,
        Tls,
        MutualTls,
    }

    [RabbitMqTheory]
    [InlineData(MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttQualityOfService.AtLeastOnce)]
    public async Task A_message_round_trips_through_rabbitmq_over_mqtt_311(MqttQualityOfService qos)
    {
        output.WriteLine($"RabbitMQ node {fixture.Broker.NodeName} answered CONNECT {fixture.Broker.StartupTime.TotalSeconds:F1} s after its process started");
        var topic = Broker.UniqueTopic($"rabbit/{qos}");
        await using var subscriber = await Broker.ConnectAsync(Options(Port.Plain));
        await using var publisher = await Broker.ConnectAsync(Options(Port.Plain));

        var granted = await subscriber.SubscribeAsync(topic, qos);
        Assert.Equal(qos, Assert.Single(granted.Items).GrantedQoS);
        var published = await publisher.PublishAsync(topic, Encoding.UTF8.GetBytes($"hello rabbit {qos}"), qos);
        Assert.Equal(MqttReasonCode.Success, published.ReasonCode);

        var received = await subscriber.NextMessageAsync();
        Assert.Equal(topic, received.Topic);
        Assert.Equal($"hello rabbit {qos}", Encoding.UTF8.GetString(received.Payload.Span));
        Assert.Equal(qos, received.QualityOfService);
    }

    [RabbitMqFact]
    public async Task A_qos_2_subscription_is_granted_qos_1()
    {
        var topic = Broker.UniqueTopic("rabbit/qos2");
        await using var client = await Broker.ConnectAsync(Options(Port.Plain));

        var granted = await client.SubscribeAsync(topic, MqttQualityOfService.ExactlyOnce);

        // RabbitMQ's MQTT plugin has no QoS 2; it downgrades the subscription, as MQTT 3.1.1 section 3.9.3 allows.
        Assert.Equal(MqttQualityOfService.AtLeastOnce, Assert.Single(granted.Items).GrantedQoS);
    }

    [RabbitMqFact]
    public async Task A_retained_message_reaches_a_later_subscriber_with_the_retain_flag()
    {
        var topic = Broker.UniqueTopic("rabbit/retained");
        await using (var publisher = await Broker.ConnectAsync(Options(Port.Plain)))
        {
            await publisher.PublishAsync(topic, "21.5"u8.ToArray(), MqttQualityOfService.AtLeastOnce, retain: true);
        }

        await using var late = await Broker.ConnectAsync(Options(Port.Plain));
        await late.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        var received = await late.NextMessageAsync();
        Assert.Equal("21.5", Encoding.UTF8.GetString(received.Payload.Span));
        Assert.True(received.Retain);
    }

    [RabbitMqFact]
    public async Task The_will_is_published_when_a_client_drops_without_disconnect()
    {
        var willTopic = Broker.UniqueTopic("rabbit/will");
        await using var watcher = await Broker.ConnectAsync(Options(Port.Plain));
        await watcher.SubscribeAsync(willTopic, MqttQualityOfService.AtLeastOnce);
        var will = new MqttMessage { Topic = willTopic, Payload = "device gone"u8.ToArray(), QualityOfService = MqttQualityOfService.AtLeastOnce };

        var device = await Broker.ConnectAsync(Options(Port.Plain) with { Will = will });
        await device.AbortAsync();
        await device.DisposeAsync();

        var received = await watcher.NextMessageAsync();
        Assert.Equal(willTopic, received.Topic);
        Assert.Equal("device gone", Encoding.UTF8.GetString(received.Payload.Span));
    }

    [RabbitMqTheory]
    [InlineData(Port.Tls)]
    [InlineData(Port.MutualTls)]
    public async Task A_message_round_trips_over_verified_tls(Port port)
    {
        var topic = Broker.UniqueTopic($"rabbit/{port}");
        await using var client = await Broker.ConnectAsync(Options(port));
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        await client.PublishAsync(topic, "over tls"u8.ToArray(), MqttQualityOfService.AtLeastOnce);

        var received = await client.NextMessageAsync();
        Assert.Equal("over tls", Encoding.UTF8.GetString(received.Payload.Span));
        Assert.NotNull(client.TlsInfo);
        Assert.True(client.TlsInfo!.ServerCertificateVerified);
    }

    [RabbitMqFact]
    public async Task A_client_certificate_from_another_ca_is_rejected_by_rabbitmq()
    {
        // RabbitMQ verifies a certificate that is sent (verify_peer): one from a CA it does not trust ends the handshake.
        using var foreign = CertificateAuthority.Create("Foreign CA");
        using var stranger = foreign.IssueClientCertificate("stranger");
        var directory = Directory.CreateTempSubdirectory("rabbit-foreign-").FullName;
        try
        {
            var certificate = Path.Combine(directory, "stranger.crt");
            var key = Path.Combine(directory, "stranger.key");
            PemFiles.WriteAll([OutputFile.Text(certificate, stranger.CertificatePem), OutputFile.Text(key, stranger.PrivateKeyPem, isSecret: true)]);
            var options = Options(Port.Tls) with
            {
                Tls = new MqttTlsOptions { CaFile = fixture.CaCertificatePath, ClientCertificateFile = certificate, ClientKeyFile = key },
            };

            await using var client = new MqttClient(options);
            var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
            output.WriteLine($"{error.Kind}: {error.Message}");
            Assert.Equal(MqttTlsFailureKind.ClientCertificateRejected, error.Kind);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private MqttClientOptions Options(Port port) => new()
    {
        Host = fixture.Host,
        ProtocolVersion = MqttProtocolVersion.V311,
        ClientId = "rmq-" + Guid.NewGuid().ToString("N")[..12],
        Port = port == Port.Plain ? fixture.Broker.MqttPort : fixture.Broker.MqttTlsPort,
        Tls = port switch
        {
            Port.Plain => null,
            Port.Tls => new MqttTlsOptions { CaFile = fixture.CaCertificatePath },
            _ => new MqttTlsOptions { CaFile = fixture.CaCertificatePath, ClientCertificateFile = fixture.ClientCertificatePath, ClientKeyFile = fixture.ClientKeyPath },
        },
        ConnectTimeout = Broker.Timeout,
    };
}
