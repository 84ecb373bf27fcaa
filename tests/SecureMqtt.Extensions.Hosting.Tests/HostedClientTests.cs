using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.Extensions.Hosting.Tests;

/// <summary>A host built as an application builds it, against the fixture's real Mosquitto with fresh certificates.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class HostedClientTests(MosquittoFixture broker)
{
    [Fact]
    public async Task Host_start_connects_over_mutual_tls_and_a_second_client_receives_what_it_publishes()
    {
        var id = TestHost.UniqueId("hosted");
        using var host = TestHost.Build(TestHost.MutualTls(broker, "Mqtt", id), b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")));
        await using var receiver = await ConnectPlainAsync();
        var topic = $"hosting/{Guid.NewGuid():N}";
        await receiver.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);

        await host.StartAsync();

        var client = host.Services.GetRequiredService<MqttClient>();
        Assert.Equal(MqttClientState.Connected, client.State);
        Assert.Equal(id, client.ClientId);
        Assert.Equal(broker.MutualTlsPort, client.Endpoint!.Port);
        Assert.True(Assert.IsType<MqttTlsInfo>(client.TlsInfo).ServerCertificateVerified);
        await client.PublishAsync(topic, Encoding.UTF8.GetBytes("reading 1"), MqttQualityOfService.AtLeastOnce);
        var message = await NextMessageAsync(receiver);
        Assert.Equal("reading 1", Encoding.UTF8.GetString(message.Payload.Span));
        await host.StopAsync();
    }

    [Fact]
    public async Task Host_stop_sends_disconnect_so_neither_side_sees_a_lost_connection()
    {
        var id = TestHost.UniqueId("stopping");
        using var host = TestHost.Build(TestHost.MutualTls(broker, "Mqtt", id), b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")));
        var client = host.Services.GetRequiredService<MqttClient>();
        var lost = 0;
        client.ConnectionLost += (_, _) => Interlocked.Increment(ref lost);
        client.Disconnected += (_, _) => Interlocked.Increment(ref lost);
        await host.StartAsync();
        Assert.True(client.IsConnected);

        await host.StopAsync();

        Assert.Equal(MqttClientState.Disconnected, client.State);
        Assert.Equal(0, Volatile.Read(ref lost));
        // Mosquitto logs "disconnected." only for a DISCONNECT packet; a dropped socket is "closed its connection".
        var log = await WaitForBrokerLogAsync($"Client {id} disconnected.");
        Assert.DoesNotContain($"Client {id} closed its connection", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_registered_before_the_client_finds_it_connected_in_start_and_still_connected_in_stop()
    {
        using var host = TestHost.Build(TestHost.MutualTls(broker, "Mqtt", TestHost.UniqueId("order")), b =>
        {
            b.Services.AddSingleton<StateRecorder>();
            b.Services.AddHostedService(provider => provider.GetRequiredService<StateRecorder>());
            b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt"));
        });
        var recorder = host.Services.GetRequiredService<StateRecorder>();

        await host.StartAsync();
        await host.StopAsync();

        Assert.Equal([MqttClientState.Connected, MqttClientState.Connected], recorder.States);
        Assert.Equal(MqttClientState.Disconnected, host.Services.GetRequiredService<MqttClient>().State);
    }

    [Fact]
    public async Task Named_clients_reach_two_listeners_and_are_keyed_services()
    {
        var plainId = TestHost.UniqueId("plain");
        var secureId = TestHost.UniqueId("secure");
        var configuration = new Dictionary<string, string?>
        {
            ["Mqtt:Clients:plain:Host"] = broker.Host,
            ["Mqtt:Clients:plain:Port"] = $"{broker.PlainPort}",
            ["Mqtt:Clients:plain:ClientId"] = plainId,
            ["Mqtt:Clients:plain:ProtocolVersion"] = "3.1.1",
            // The other by endpoint URI, the form for failover lists.
            ["Mqtt:Clients:secure:Servers:0"] = $"mqtts://127.0.0.1:{broker.MutualTlsPort}",
            ["Mqtt:Clients:secure:ClientId"] = secureId,
            ["Mqtt:Clients:secure:Tls:CaFile"] = broker.CaCertificatePath,
            ["Mqtt:Clients:secure:Tls:ClientCertificateFile"] = broker.ClientCertificatePath,
            ["Mqtt:Clients:secure:Tls:ClientKeyFile"] = broker.ClientKeyPath,
            ["Mqtt:Clients:secure:Tls:MinimumVersion"] = "1.2",
        };
        using var host = TestHost.Build(configuration, b =>
        {
            b.Services.AddMqttClient("plain", b.Configuration.GetSection("Mqtt:Clients:plain"));
            b.Services.AddMqttClient("secure", b.Configuration.GetSection("Mqtt:Clients:secure"));
            b.Services.AddSingleton<SecureConsumer>();
        });

        await host.StartAsync();

        var plain = host.Services.GetRequiredKeyedService<MqttClient>("plain");
        var secure = host.Services.GetRequiredService<SecureConsumer>().Client;
        Assert.Same(secure, host.Services.GetRequiredService<IMqttClientFactory>().GetClient("secure"));
        Assert.Null(host.Services.GetService<MqttClient>());
        Assert.True(plain.IsConnected);
        Assert.True(secure.IsConnected);
        Assert.Equal((plainId, broker.PlainPort, MqttProtocolVersion.V311), (plain.ClientId, plain.Endpoint!.Port, plain.Options.ProtocolVersion));
        Assert.Equal((secureId, broker.MutualTlsPort), (secure.ClientId, secure.Endpoint!.Port));
        Assert.Null(plain.TlsInfo);
        Assert.NotNull(secure.TlsInfo);

        var topic = $"hosting/{Guid.NewGuid():N}";
        await secure.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce);
        await plain.PublishAsync(topic, Encoding.UTF8.GetBytes("across listeners"), MqttQualityOfService.AtLeastOnce);
        Assert.Equal("across listeners", Encoding.UTF8.GetString((await NextMessageAsync(secure)).Payload.Span));

        await host.StopAsync();
        Assert.Equal((MqttClientState.Disconnected, MqttClientState.Disconnected), (plain.State, secure.State));
    }

    [Fact]
    public async Task Clients_log_through_the_hosts_logger_factory_under_their_categories()
    {
        var id = TestHost.UniqueId("logging");
        var logs = new CapturingLoggerProvider();
        using var host = TestHost.Build(TestHost.MutualTls(broker, "Mqtt", id), b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")), logs);

        await host.StartAsync();
        await host.StopAsync();

        // The library's own lines (event 2 connected, 6 disconnected) under its category, through the host's providers.
        Assert.Contains(logs.Entries, e => e.Category == "SecureMqtt.MqttClient" && e.Id.Id == 2 && e.Message.Contains($"as '{id}'", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Category == "SecureMqtt.MqttClient" && e.Id.Id == 6);
        const string Hosting = "SecureMqtt.Extensions.Hosting.MqttClientHostedService";
        Assert.Contains(logs.Entries, e => e.Category == Hosting && e.Id.Id == 1001 && e.Level == LogLevel.Information
            && e.Message == $"At host start, the MQTT client connected to mqtts://127.0.0.1:{broker.MutualTlsPort} as '{id}'");
        Assert.Contains(logs.Entries, e => e.Category == Hosting && e.Id.Id == 1003);
    }

    [Fact]
    public async Task A_first_connect_that_fails_fails_host_start_with_the_librarys_error()
    {
        var logs = new CapturingLoggerProvider();
        var configuration = new Dictionary<string, string?> { ["Mqtt:Host"] = broker.Host, ["Mqtt:Port"] = $"{FreePort.Next()}" };
        using var host = TestHost.Build(configuration, b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")), logs);

        var error = await Assert.ThrowsAnyAsync<MqttException>(() => host.StartAsync());

        Assert.True(error.IsTransient);
        Assert.Contains(logs.Entries, e => e.Id.Id == 1002 && e.Level == LogLevel.Error && e.Message.Contains(error.Message, StringComparison.Ordinal));
        Assert.Equal(MqttClientState.Disconnected, host.Services.GetRequiredService<MqttClient>().State);
    }

    [Fact]
    public async Task With_retry_first_connect_host_start_waits_for_a_broker_that_comes_up_later()
    {
        var port = FreePort.Next();
        var logs = new CapturingLoggerProvider();
        var configuration = new Dictionary<string, string?>
        {
            ["Mqtt:Host"] = broker.Host,
            ["Mqtt:Port"] = $"{port}",
            ["Mqtt:ClientId"] = TestHost.UniqueId("patient"),
            ["Mqtt:Reconnect:RetryFirstConnect"] = "true",
            ["Mqtt:Reconnect:InitialDelay"] = "0.05",
            ["Mqtt:Reconnect:MaximumDelay"] = "0.2",
        };
        using var host = TestHost.Build(configuration, b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")), logs);

        var start = host.StartAsync();
        // The library logs each failed attempt (event 301); once one has failed, the broker appears.
        await logs.WaitForAsync(e => e.Category == "SecureMqtt.MqttClient" && e.Id.Id == 301);
        Assert.False(start.IsCompleted);
        await using var late = await MosquittoBroker.StartAsync([new MosquittoListener { Port = port }]);
        await start.WaitAsync(TestHost.Timeout);

        Assert.True(host.Services.GetRequiredService<MqttClient>().IsConnected);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_failure_waiting_cannot_cure_fails_host_start_even_when_the_first_connect_is_retried()
    {
        var configuration = TestHost.MutualTls(broker, "Mqtt", TestHost.UniqueId("no-ca"));
        configuration["Mqtt:Tls:CaFile"] = Path.Combine(broker.WorkDirectory, "no-such-ca.crt");
        configuration["Mqtt:Reconnect:RetryFirstConnect"] = "true";
        using var host = TestHost.Build(configuration, b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")));

        var error = await Assert.ThrowsAsync<MqttTlsException>(() => host.StartAsync().WaitAsync(TestHost.Timeout));

        Assert.Equal(MqttTlsFailureKind.InvalidCaFile, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("no-such-ca.crt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_not_connected_at_start_is_the_applications_to_connect_and_still_disconnected_at_stop()
    {
        var id = TestHost.UniqueId("manual");
        var configuration = TestHost.MutualTls(broker, "Mqtt", id);
        configuration["Mqtt:ConnectOnStart"] = "false";
        using var host = TestHost.Build(configuration, b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")));

        await host.StartAsync();
        var client = host.Services.GetRequiredService<MqttClient>();
        Assert.Equal(MqttClientState.Disconnected, client.State);
        await client.ConnectAsync();
        await host.StopAsync();

        Assert.Equal(MqttClientState.Disconnected, client.State);
        await WaitForBrokerLogAsync($"Client {id} disconnected.");
    }

    private async Task<MqttClient> ConnectPlainAsync()
    {
        var client = new MqttClient(new MqttClientOptions { Host = broker.Host, Port = broker.PlainPort, ClientId = TestHost.UniqueId("receiver") });
        await client.ConnectAsync();
        return client;
    }

    private static async Task<MqttMessage> NextMessageAsync(MqttClient client)
    {
        using var cts = new CancellationTokenSource(TestHost.Timeout);
        await foreach (var message in client.ReadMessagesAsync(cts.Token))
        {
            return message;
        }

        throw new InvalidOperationException("The message channel ended.");
    }

    // Mosquitto writes its log a little after acting; wait for the line, with a deadline, rather than read once.
    private async Task<string> WaitForBrokerLogAsync(string line)
    {
        using var cts = new CancellationTokenSource(TestHost.Timeout);
        while (true)
        {
            var log = broker.Broker.ReadLog();
            if (log.Contains(line, StringComparison.Ordinal))
            {
                return log;
            }

            await Task.Delay(50, cts.Token);
        }
    }

    /// <summary>A hosted service that records the client's state when the host starts and stops it.</summary>
    private sealed class StateRecorder(MqttClient client) : IHostedService
    {
        public List<MqttClientState> States { get; } = [];

        public Task StartAsync(CancellationToken cancellationToken)
        {
            States.Add(client.State);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            States.Add(client.State);
            return Task.CompletedTask;
        }
    }

    private sealed class SecureConsumer([FromKeyedServices("secure")] MqttClient client)
    {
        public MqttClient Client { get; } = client;
    }
}
