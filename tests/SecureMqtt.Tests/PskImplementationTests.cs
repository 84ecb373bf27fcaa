using SecureMqtt.Tls;

namespace SecureMqtt.Tests;

public class PskImplementationTests
{
    [Theory]
    [InlineData(MqttPskImplementation.Auto, true, MqttPskImplementation.OpenSsl)]
    [InlineData(MqttPskImplementation.Auto, false, MqttPskImplementation.Managed)]
    [InlineData(MqttPskImplementation.Managed, true, MqttPskImplementation.Managed)]
    [InlineData(MqttPskImplementation.Managed, false, MqttPskImplementation.Managed)]
    [InlineData(MqttPskImplementation.OpenSsl, true, MqttPskImplementation.OpenSsl)]
    public void Auto_takes_OpenSSL_where_it_loads_and_the_managed_path_elsewhere(MqttPskImplementation requested, bool openSslAvailable, MqttPskImplementation expected)
    {
        Assert.Equal(expected, PskTransport.Resolve(requested, openSslAvailable));
    }

    [Fact]
    public void Forcing_OpenSSL_where_it_is_missing_is_a_platform_error_that_names_the_way_out()
    {
        var error = Assert.Throws<MqttTlsException>(() => PskTransport.Resolve(MqttPskImplementation.OpenSsl, openSslAvailable: false));

        Assert.Equal(MqttTlsFailureKind.PlatformNotSupported, error.Kind);
        Assert.Contains("Managed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_undefined_implementation_is_refused_before_any_network_io()
    {
        using var key = MqttPreSharedKey.FromHex("device", "00112233445566778899aabbccddeeff");
        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = 1,
            Tls = new MqttTlsOptions { PreSharedKey = key, PskImplementation = (MqttPskImplementation)7 },
        });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());

        Assert.Equal("Tls.PskImplementation", error.ParamName);
    }

    [Fact]
    public void The_options_name_the_implementation()
    {
        var tls = new MqttTlsOptions { PskImplementation = MqttPskImplementation.Managed };

        Assert.Contains("PskImplementation = Managed", tls.ToString(), StringComparison.Ordinal);
    }
}
