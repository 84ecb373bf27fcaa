using System.Text;
using System.Text.RegularExpressions;
using SecureMqtt.Packets;
using SecureMqtt.Testing;
using Xunit.Abstractions;

namespace SecureMqtt.IntegrationTests.WebSocket;

/// <summary>
/// MQTT over WebSocket against a real broker, aedes (MQTT 3.1.1) behind node's ws server: ws and wss, the TLS
/// checks under wss, the upgrade's failures, packets spanning WebSocket messages and messages holding many packets,
/// and the WebSocket carried through an HTTP CONNECT proxy.
/// </summary>
[Collection(AedesFixture.CollectionName)]
public partial class AedesWebSocketTests(AedesFixture fixture, ITestOutputHelper output)
{
    [AedesTheory]
    [InlineData(false, MqttQualityOfService.AtMostOnce)]
    [InlineData(false, MqttQualityOfService.AtLeastOnce)]
    [InlineData(true, MqttQualityOfService.AtMostOnce)]
    [InlineData(true, MqttQualityOfService.AtLeastOnce)]
    public async Task A_message_round_trips_over_the_websocket_in_both_directions(bool tls, MqttQualityOfService qos)
    {
        var topic = Broker.UniqueTopic($"ws/{tls}/{qos}");
        await using var subscriber = await Broker.ConnectAsync(Options(tls));
        await using var publisher = await Broker.ConnectAsync(Options(tls));
        Assert.Equal(tls, publisher.TlsInfo is not null);

        var granted = await subscriber.SubscribeAsync(topic, qos);
        Assert.Equal(qos, Assert.Single(granted.Items).GrantedQoS);
        await publisher.PublishAsync(topic, Encoding.UTF8.GetBytes($"over {(tls ? "wss" : "ws")}"), qos);

        var received = await subscriber.NextMessageAsync();
        Assert.Equal($"over {(tls ? "wss" : "ws")}", Encoding.UTF8.GetString(received.Payload.Span));
        Assert.Equal(qos, received.QualityOfService);
        if (tls)
        {
            Assert.True(publisher.TlsInfo!.ServerCertificateVerified);
        }
    }

    [AedesFact]
    public async Task An_untrusted_server_certificate_over_wss_is_the_same_tls_error_as_over_mqtts()
    {
        // No CaFile: the system's trust store, which does not hold this run's CA. The TLS layer under the WebSocket
        // is the one under mqtts, so the failure is its typed error, raised before any HTTP byte is sent.
        await using var client = new MqttClient(Options(tls: true) with { Tls = new MqttTlsOptions() });
        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
        output.WriteLine($"{error.Kind}: {error.Message}");
        Assert.Equal(MqttTlsFailureKind.UntrustedIssuer, error.Kind);
    }

    [AedesFact]
    public async Task A_wrong_host_name_over_wss_is_a_hostname_mismatch()
    {
        await using var client = new MqttClient(Options(tls: true) with
        {
            Tls = new MqttTlsOptions { CaFile = fixture.CaCertificatePath, TargetHost = "broker.example" },
        });
        var error = await Assert.ThrowsAsync<MqttTlsException>(() => client.ConnectAsync());
        Assert.Equal(MqttTlsFailureKind.HostnameMismatch, error.Kind);
    }

    [AedesFact]
    public async Task Mutual_tls_over_wss_connects_with_the_certificate_and_fails_as_tls_without_it()
    {
        await using var broker = await AedesBroker.StartAsync(fixture.ServerCertificatePath, fixture.ServerKeyPath, clientCaFile: fixture.CaCertificatePath);
        MqttClientOptions Options(MqttTlsOptions tls) => this.Options(tls: true) with
        {
            Servers = [new MqttEndpoint("127.0.0.1", broker.WebSocketTlsPort, useTls: true, webSocketPath: AedesBroker.Path)],
            Tls = tls,
        };

        await using (var mutual = await Broker.ConnectAsync(Options(new MqttTlsOptions
        {
            CaFile = fixture.CaCertificatePath, ClientCertificateFile = fixture.ClientCertificatePath, ClientKeyFile = fixture.ClientKeyPath,
        })))
        {
            Assert.True(mutual.TlsInfo!.ClientCertificateSent);
        }

        // Under TLS 1.3 the server's refusal arrives after the client's handshake, while the client reads the upgrade
        // answer: it must still come out as the TLS error it is, not as a WebSocket one.
        await using var without = new MqttClient(Options(new MqttTlsOptions { CaFile = fixture.CaCertificatePath }));
        var error = await Assert.ThrowsAsync<MqttTlsException>(() => without.ConnectAsync());
        output.WriteLine($"{error.Kind}: {error.Message}");
        Assert.Equal(MqttTlsFailureKind.ClientCertificateRequired, error.Kind);
    }

    [AedesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_wrong_path_is_an_upgrade_refusal_that_quotes_the_status_line(bool tls)
    {
        await using var client = new MqttClient(Options(tls, path: "/not-mqtt"));
        var error = await Assert.ThrowsAsync<MqttWebSocketException>(() => client.ConnectAsync());
        output.WriteLine(error.Message);
        Assert.Equal(MqttWebSocketFailureKind.UpgradeRefused, error.Kind);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("HTTP/1.1 404 Not Found", error.Message, StringComparison.Ordinal);
        Assert.Contains("/not-mqtt", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [AedesFact]
    public async Task A_server_that_does_not_select_the_mqtt_subprotocol_is_refused()
    {
        await using var broker = await AedesBroker.StartAsync(selectSubprotocol: false);
        await using var client = new MqttClient(Options(tls: false) with { Servers = [MqttEndpoint.Parse($"ws://127.0.0.1:{broker.WebSocketPort}{AedesBroker.Path}")] });
        var error = await Assert.ThrowsAsync<MqttWebSocketException>(() => client.ConnectAsync());
        Assert.Equal(MqttWebSocketFailureKind.SubprotocolNotSelected, error.Kind);
        Assert.Contains("MQTT-6.0.0-4", error.Message, StringComparison.Ordinal);
    }

    [AedesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_one_megabyte_message_arrives_whole_over_the_websocket(bool tls)
    {
        var topic = Broker.UniqueTopic("ws/large");
        var payload = new byte[1_000_000];
        new Random(42).NextBytes(payload);
        await using var subscriber = await Broker.ConnectAsync(Options(tls) with { MaximumPacketSize = 2 * 1024 * 1024 });
        await using var publisher = await Broker.ConnectAsync(Options(tls));
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        await publisher.PublishAsync(topic, payload, MqttQualityOfService.AtLeastOnce);

        var received = await subscriber.NextMessageAsync();

        Assert.True(payload.AsSpan().SequenceEqual(received.Payload.Span), "the payload arrived changed");
    }

    [AedesFact]
    public async Task Many_small_messages_are_coalesced_into_few_websocket_messages_and_all_arrive()
    {
        const int Count = 2000;
        var topic = Broker.UniqueTopic("ws/many");
        var testId = Guid.NewGuid().ToString("N");
        await using var subscriber = await Broker.ConnectAsync(Options(tls: false));
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        var publisher = await Broker.ConnectAsync(Options(tls: false) with
        {
            WebSocket = new MqttWebSocketOptions { RequestHeaders = new Dictionary<string, string> { ["X-Test-Id"] = testId } },
        });
        try
        {
            // Issued without waiting for each other: the output buffer gathers what queues up while it writes.
            await Task.WhenAll(Enumerable.Range(0, Count).Select(i =>
                publisher.PublishAsync(topic, Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), MqttQualityOfService.AtLeastOnce).AsTask()));
        }
        finally
        {
            await publisher.DisposeAsync();
        }

        // Publishes issued concurrently have no order among themselves; each must arrive, once.
        var seen = new HashSet<int>();
        for (var i = 0; i < Count; i++)
        {
            var received = await subscriber.NextMessageAsync();
            Assert.True(seen.Add(int.Parse(Encoding.UTF8.GetString(received.Payload.Span), System.Globalization.CultureInfo.InvariantCulture)), "a message arrived twice");
        }

        Assert.Equal(Enumerable.Range(0, Count), seen.Order());

        // The broker counted what the publisher's connection carried (and saw the extra header that names it).
        var line = await WaitForLineAsync($"closed id={testId} ");
        output.WriteLine(line);
        var messages = int.Parse(ClosedLine().Match(line).Groups["messages"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(messages, 2, Count / 2);
    }

    [AedesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_websocket_runs_through_an_http_connect_proxy(bool tls)
    {
        var topic = Broker.UniqueTopic("ws/proxied");
        await using var client = await Broker.ConnectAsync(Options(tls) with
        {
            Proxy = MqttProxyOptions.Parse($"http://127.0.0.1:{fixture.Proxy.Port}"),
        });
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        await client.PublishAsync(topic, "through the tunnel"u8.ToArray(), MqttQualityOfService.AtLeastOnce);

        var received = await client.NextMessageAsync();
        Assert.Equal("through the tunnel", Encoding.UTF8.GetString(received.Payload.Span));
        Assert.Contains("CONNECT", fixture.Proxy.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"messages=(?<messages>\d+)")]
    private static partial Regex ClosedLine();

    private async Task<string> WaitForLineAsync(string prefix)
    {
        using var deadline = new CancellationTokenSource(Broker.Timeout);
        while (true)
        {
            var line = fixture.Broker.Output.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line.Trim();
            }

            await Task.Delay(20, deadline.Token);
        }
    }

    private MqttClientOptions Options(bool tls, string path = AedesBroker.Path) => new()
    {
        ProtocolVersion = MqttProtocolVersion.V311,
        ClientId = "ws-" + Guid.NewGuid().ToString("N")[..12],
        Servers = [new MqttEndpoint("127.0.0.1", tls ? fixture.Broker.WebSocketTlsPort : fixture.Broker.WebSocketPort, tls, webSocketPath: path)],
        Tls = tls ? new MqttTlsOptions { CaFile = fixture.CaCertificatePath } : null,
        ConnectTimeout = Broker.Timeout,
    };
}

/// <summary>Tests in this collection share one aedes broker; xunit v2 needs the definition in the test assembly.</summary>
[CollectionDefinition(AedesFixture.CollectionName)]
public sealed class AedesCollection : ICollectionFixture<AedesFixture>;
