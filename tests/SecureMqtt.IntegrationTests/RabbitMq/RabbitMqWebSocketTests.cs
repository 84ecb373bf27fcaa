using System.Text;
using SecureMqtt.Packets;
using SecureMqtt.Pki;
using SecureMqtt.Testing;
using Xunit.Abstractions;

namespace SecureMqtt.IntegrationTests.RabbitMq;

/// <summary>
/// RabbitMQ's Web MQTT plugin (MQTT 3.1.1 over WebSocket on path <c>/ws</c>) as the second real WebSocket broker:
/// ws and wss, and the TLS layer under wss failing exactly as under mqtts, since both listeners share the certificate.
/// </summary>
[Collection(RabbitMqFixture.CollectionName)]
public class RabbitMqWebSocketTests(RabbitMqFixture fixture, ITestOutputHelper output)
{
    private const string Path = "/ws";

    [RabbitMqTheory]
    [InlineData(false, MqttQualityOfService.AtMostOnce)]
    [InlineData(false, MqttQualityOfService.AtLeastOnce)]
    [InlineData(true, MqttQualityOfService.AtMostOnce)]
    [InlineData(true, MqttQualityOfService.AtLeastOnce)]
    public async Task A_message_round_trips_through_web_mqtt(bool tls, MqttQualityOfService qos)
    {
        var topic = Broker.UniqueTopic($"rabbit-ws/{tls}/{qos}");
        await using var subscriber = await Broker.ConnectAsync(Options(tls));
        await using var publisher = await Broker.ConnectAsync(Options(tls));

        var granted = await subscriber.SubscribeAsync(topic, qos);
        Assert.Equal(qos, Assert.Single(granted.Items).GrantedQoS);
        await publisher.PublishAsync(topic, Encoding.UTF8.GetBytes($"web mqtt {qos}"), qos);

        var received = await subscriber.NextMessageAsync();
        Assert.Equal($"web mqtt {qos}", Encoding.UTF8.GetString(received.Payload.Span));
        Assert.Equal(qos, received.QualityOfService);
        Assert.Equal(tls, publisher.TlsInfo?.ServerCertificateVerified ?? false);
    }

    [RabbitMqFact]
    public async Task A_server_certificate_from_another_ca_fails_alike_over_mqtts_and_wss()
    {
        using var foreign = CertificateAuthority.Create("Foreign CA");
        var directory = Directory.CreateTempSubdirectory("rabbit-ws-foreign-").FullName;
        try
        {
            var caFile = System.IO.Path.Combine(directory, "foreign-ca.crt");
            PemFiles.WriteAll([OutputFile.Text(caFile, foreign.CertificatePem)]);
            var trustsOtherCa = new MqttTlsOptions { CaFile = caFile };

            await using var overMqtts = new MqttClient(Options(tls: true) with { Servers = [], Host = fixture.Host, Port = fixture.Broker.MqttTlsPort, Tls = trustsOtherCa });
            await using var overWss = new MqttClient(Options(tls: true) with { Tls = trustsOtherCa });
            var mqtts = await Assert.ThrowsAsync<MqttTlsException>(() => overMqtts.ConnectAsync());
            var wss = await Assert.ThrowsAsync<MqttTlsException>(() => overWss.ConnectAsync());
            output.WriteLine($"mqtts: {mqtts.Kind}: {mqtts.Message}\nwss: {wss.Kind}: {wss.Message}");

            Assert.Equal(MqttTlsFailureKind.UntrustedIssuer, mqtts.Kind);
            Assert.Equal(mqtts.Kind, wss.Kind);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [RabbitMqFact]
    public async Task A_ws_uri_aimed_at_the_plain_mqtt_port_is_a_websocket_error_not_a_hang()
    {
        await using var client = new MqttClient(Options(tls: false) with { Servers = [MqttEndpoint.Parse($"ws://{fixture.Host}:{fixture.Broker.MqttPort}/ws")] });
        var error = await Assert.ThrowsAsync<MqttWebSocketException>(() => client.ConnectAsync());
        output.WriteLine($"{error.Kind}: {error.Message}");
        Assert.Equal(MqttWebSocketFailureKind.ConnectionClosed, error.Kind);
        Assert.Contains("WebSocket listener", error.Message, StringComparison.Ordinal);
    }

    private MqttClientOptions Options(bool tls) => new()
    {
        ProtocolVersion = MqttProtocolVersion.V311,
        ClientId = "rmq-ws-" + Guid.NewGuid().ToString("N")[..12],
        Servers = [new MqttEndpoint(fixture.Host, tls ? fixture.Broker.WebMqttTlsPort : fixture.Broker.WebMqttPort, tls, webSocketPath: Path)],
        Tls = tls ? new MqttTlsOptions { CaFile = fixture.CaCertificatePath } : null,
        ConnectTimeout = Broker.Timeout,
    };
}
