using System.Security.Authentication;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SecureMqtt.Packets;

namespace SecureMqtt.Extensions.Hosting.Tests;

/// <summary>Configuration to options, and bad configuration refused at host start: no broker needed, nothing connects.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public void Every_documented_key_reaches_the_client_options()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Mqtt:Servers:0"] = "mqtts://a.example:8884",
            ["Mqtt:Servers:1"] = "b.example",
            ["Mqtt:ClientId"] = "sensor-7",
            ["Mqtt:ProtocolVersion"] = "3.1.1",
            ["Mqtt:CleanStart"] = "false",
            ["Mqtt:KeepAlive"] = "30",
            ["Mqtt:ConnectTimeout"] = "00:00:05",
            ["Mqtt:DisconnectTimeout"] = "0.25",
            ["Mqtt:Credentials:UserName"] = "alice",
            ["Mqtt:Credentials:Password"] = "secret-pw",
            ["Mqtt:Tls:CaFile"] = "/etc/mqtt/ca.crt",
            ["Mqtt:Tls:ClientCertificateFile"] = "/etc/mqtt/device.crt",
            ["Mqtt:Tls:ClientKeyFile"] = "/etc/mqtt/device.key",
            ["Mqtt:Tls:TargetHost"] = "broker.example",
            ["Mqtt:Tls:MinimumVersion"] = "TLS 1.3",
            ["Mqtt:Tls:ApplicationProtocols:0"] = "mqtt",
            ["Mqtt:Tls:HandshakeTimeout"] = "2.5",
            ["Mqtt:Tls:AllowSessionResumption"] = "false",
            ["Mqtt:Reconnect:RetryFirstConnect"] = "true",
            ["Mqtt:Reconnect:InitialDelay"] = "0.5",
            ["Mqtt:Reconnect:MaximumDelay"] = "00:01:00",
            ["Mqtt:Reconnect:Jitter"] = "0.1",
            ["Mqtt:Reconnect:MaximumAttempts"] = "5",
            ["Mqtt:OfflineQueue:MaximumMessages"] = "100",
            ["Mqtt:OfflineQueue:FullMode"] = "Fail",
            ["Mqtt:MaximumPacketSize"] = "65536",
            ["Mqtt:MaximumOutgoingInFlight"] = "10",
            ["Mqtt:IncomingMessageFullMode"] = "DropOldest",
            ["Mqtt:AcknowledgeAfterHandlers"] = "false",
            ["Mqtt:ConnectOnStart"] = "false",
        };
        using var host = TestHost.Build(configuration, b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")));

        var hosted = host.Services.GetRequiredService<IOptionsMonitor<MqttHostedClientOptions>>().Get(Options.DefaultName);
        var o = hosted.Client;
        Assert.False(hosted.ConnectOnStart);
        Assert.Equal(["mqtts://a.example:8884", "mqtt://b.example:1883"], o.Servers.Select(s => s.ToString()));
        Assert.Equal("sensor-7", o.ClientId);
        Assert.Equal(MqttProtocolVersion.V311, o.ProtocolVersion);
        Assert.False(o.CleanStart);
        Assert.Equal(TimeSpan.FromSeconds(30), o.KeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(5), o.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(0.25), o.DisconnectTimeout);
        Assert.Equal(new MqttCredentials("alice", "secret-pw"), o.Credentials);
        var tls = Assert.IsType<MqttTlsOptions>(o.Tls);
        Assert.Equal("/etc/mqtt/ca.crt", tls.CaFile);
        Assert.Equal("/etc/mqtt/device.crt", tls.ClientCertificateFile);
        Assert.Equal("/etc/mqtt/device.key", tls.ClientKeyFile);
        Assert.Equal("broker.example", tls.TargetHost);
        Assert.Equal(SslProtocols.Tls13, tls.MinimumVersion);
        Assert.Equal(["mqtt"], tls.ApplicationProtocols);
        Assert.Equal(TimeSpan.FromSeconds(2.5), tls.HandshakeTimeout);
        Assert.False(tls.AllowSessionResumption);
        Assert.True(o.Reconnect.Enabled);
        Assert.True(o.Reconnect.RetryFirstConnect);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.Reconnect.InitialDelay);
        Assert.Equal(TimeSpan.FromMinutes(1), o.Reconnect.MaximumDelay);
        Assert.Equal(0.1, o.Reconnect.Jitter);
        Assert.Equal(5, o.Reconnect.MaximumAttempts);
        Assert.Equal(100, o.OfflineQueue.MaximumMessages);
        Assert.Equal(MqttOfflineQueueFullMode.Fail, o.OfflineQueue.FullMode);
        Assert.Equal(65536u, o.MaximumPacketSize);
        Assert.Equal((ushort)10, o.MaximumOutgoingInFlight);
        Assert.Equal(BoundedChannelFullMode.DropOldest, o.IncomingMessageFullMode);
        Assert.False(o.AcknowledgeAfterHandlers);
        Assert.NotSame(NullLoggerFactory.Instance, o.LoggerFactory);
        o.Validate();
    }

    [Fact]
    public void Absent_keys_keep_the_library_defaults_and_code_runs_after_configuration()
    {
        var configuration = new Dictionary<string, string?> { ["Mqtt:Host"] = "broker.example", ["Mqtt:ClientId"] = "from-config" };
        using var host = TestHost.Build(configuration, b => b.Services
            .AddMqttClient(b.Configuration.GetSection("Mqtt"))
            .ConfigureClient(o => o with { ClientId = o.ClientId + "+code", Tls = new MqttTlsOptions() }));

        var o = host.Services.GetRequiredService<IOptionsMonitor<MqttHostedClientOptions>>().Get(Options.DefaultName).Client;
        var defaults = new MqttClientOptions();
        Assert.Equal("broker.example", o.Host);
        Assert.Equal("from-config+code", o.ClientId);
        Assert.NotNull(o.Tls);
        Assert.Equal(defaults.KeepAlive, o.KeepAlive);
        Assert.Equal(defaults.Reconnect, o.Reconnect);
        Assert.Equal(defaults.ProtocolVersion, o.ProtocolVersion);
        Assert.Null(o.Port);
    }

    [Theory]
    [InlineData("Enabled", "true", true)]
    [InlineData("MinimumVersion", "1.3", true)]
    [InlineData("Enabled", "false", false)]
    public void The_tls_section_turns_tls_on_unless_it_says_enabled_false(string key, string value, bool tls)
    {
        var configuration = new Dictionary<string, string?> { ["Mqtt:Host"] = "broker.example", [$"Mqtt:Tls:{key}"] = value, ["Mqtt:Tls:TargetHost"] = "b" };
        using var host = TestHost.Build(configuration, b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")));

        var o = host.Services.GetRequiredService<IOptionsMonitor<MqttHostedClientOptions>>().Get(Options.DefaultName).Client;

        Assert.Equal(tls, o.Tls is not null);
    }

    public static TheoryData<Dictionary<string, string?>, string> BadConfigurations => new()
    {
        // The library's own message, then the key it came from.
        { new() { ["Mqtt:Port"] = "70000" }, "Port must be between 1 and 65535. (option Port) (configuration key Mqtt:Port)" },
        { new() { ["Mqtt:Reconnect:Jitter"] = "2" }, "Jitter must be between 0 and 1. (option Reconnect.Jitter) (configuration key Mqtt:Reconnect:Jitter)" },
        {
            new() { ["Mqtt:Tls:CaFile"] = "ca.crt", ["Mqtt:Tls:AllowUntrustedServerCertificate"] = "true" },
            "AllowUntrustedServerCertificate contradicts CaFile: either verify against the CA file or (for development only) do not verify. (option Tls.AllowUntrustedServerCertificate) (configuration key Mqtt:Tls:AllowUntrustedServerCertificate)"
        },
        { new() { ["Mqtt:KeepAlive"] = "-5" }, "KeepAlive must be between 0 and 65535 seconds. (option KeepAlive) (configuration key Mqtt:KeepAlive)" },

        // Values that are not even of the right kind.
        { new() { ["Mqtt:Port"] = "eighty" }, "Failed to convert configuration value 'eighty' at 'Mqtt:Port' to type 'System.Int32'. The input string 'eighty' was not in a correct format." },
        { new() { ["Mqtt:KeepAlive"] = "soon" }, "Mqtt:KeepAlive is 'soon', which is not a duration: write seconds (30) or hh:mm:ss (00:00:30)." },
        { new() { ["Mqtt:ProtocolVersion"] = "3.1" }, "Mqtt:ProtocolVersion is '3.1', which is not an MQTT version: use 5.0 or 3.1.1." },
        { new() { ["Mqtt:Tls:MinimumVersion"] = "1.1" }, "Mqtt:Tls:MinimumVersion is '1.1', which is not a TLS version the client accepts: use 1.2 or 1.3." },
        { new() { ["Mqtt:Servers:0"] = "http://broker.example" }, "Mqtt:Servers:0 is not a server address: 'http://broker.example' has the scheme 'http'; use mqtt:// (plain TCP), mqtts:// (TLS), ws:// (WebSocket) or wss:// (WebSocket over TLS)." },
        { new() { ["Mqtt:Credentials:Password"] = "pw" }, "Mqtt:Credentials:Password is set without Mqtt:Credentials:UserName." },

        // A misspelt key would otherwise leave a default in place, silently.
        { new() { ["Mqtt:Tls:CAFile"] = "ca.crt", ["Mqtt:Tls:ClientCert"] = "c.crt" }, "Mqtt:Tls:ClientCert is not a setting of the MQTT client (check the spelling)" },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public async Task Bad_configuration_fails_host_start_with_a_message_naming_the_key(Dictionary<string, string?> bad, string expected)
    {
        var configuration = new Dictionary<string, string?>(bad, StringComparer.OrdinalIgnoreCase);
        configuration.TryAdd("Mqtt:Host", "127.0.0.1");
        var logs = new CapturingLoggerProvider();
        using var host = TestHost.Build(configuration, b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")), logs);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Configuration of the MQTT client: ", error.Failures.First(), StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("SecureMqtt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_section_is_refused_rather_than_connecting_to_localhost()
    {
        using var host = TestHost.Build(new Dictionary<string, string?> { ["Other:Host"] = "x" }, b => b.Services.AddMqttClient(b.Configuration.GetSection("Mqtt")));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("The configuration section 'Mqtt' is missing or empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_clients_error_names_the_client_and_its_own_key()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Mqtt:Clients:plant-a:Host"] = "a.example",
            ["Mqtt:Clients:plant-b:Host"] = "b.example",
            ["Mqtt:Clients:plant-b:Port"] = "0",
        };
        using var host = TestHost.Build(configuration, b =>
        {
            b.Services.AddMqttClient("plant-a", b.Configuration.GetSection("Mqtt:Clients:plant-a")).Configure(o => o.ConnectOnStart = false);
            b.Services.AddMqttClient("plant-b", b.Configuration.GetSection("Mqtt:Clients:plant-b")).Configure(o => o.ConnectOnStart = false);
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal("plant-b", error.OptionsName);
        Assert.Equal(
            "Configuration of the MQTT client 'plant-b': Port must be between 1 and 65535. (option Port) (configuration key Mqtt:Clients:plant-b:Port)",
            Assert.Single(error.Failures));
    }

    [Fact]
    public void Options_set_in_code_are_validated_with_the_librarys_message_and_no_key()
    {
        using var host = TestHost.Build(new Dictionary<string, string?>(), b => b.Services.AddMqttClient("code", o => o with { ConnectTimeout = TimeSpan.Zero }));

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IMqttClientFactory>().GetClient("code"));

        Assert.Equal("Options of the MQTT client 'code': ConnectTimeout must be positive. (option ConnectTimeout)", Assert.Single(error.Failures));
    }

    [Fact]
    public void Asking_for_an_unregistered_name_lists_the_registered_ones()
    {
        using var host = TestHost.Build(new Dictionary<string, string?>(), b => b.Services.AddMqttClient("a", o => o).Services.AddMqttClient("b", o => o));
        var factory = host.Services.GetRequiredService<IMqttClientFactory>();

        var error = Assert.Throws<InvalidOperationException>(() => factory.GetClient("c"));

        Assert.Equal(["a", "b"], factory.Names);
        Assert.Contains("No MQTT client named 'c' is registered; the registered ones are 'a', 'b'.", error.Message, StringComparison.Ordinal);
        Assert.Same(factory.GetClient("a"), host.Services.GetRequiredKeyedService<MqttClient>("a"));
        Assert.Null(host.Services.GetService<MqttClient>());
    }
}
