namespace SecureMqtt.Tests.WebSockets;

public class WebSocketEndpointTests
{
    [Theory]
    [InlineData("ws://broker.example", "ws", false, 80, "/mqtt")]
    [InlineData("wss://broker.example", "wss", true, 443, "/mqtt")]
    [InlineData("WSS://broker.example:8443/ws", "wss", true, 8443, "/ws")]
    [InlineData("ws://broker.example:8080/", "ws", false, 8080, "/mqtt")]
    [InlineData("ws://[::1]:9001/mqtt?token=abc", "ws", false, 9001, "/mqtt?token=abc")]
    public void Parse_reads_websocket_uris_with_their_path_and_default_ports(string uri, string scheme, bool tls, int port, string path)
    {
        var endpoint = MqttEndpoint.Parse(uri);

        Assert.Equal(scheme, endpoint.Scheme);
        Assert.Equal(tls, endpoint.UseTls);
        Assert.Equal(port, endpoint.Port);
        Assert.Equal(path, endpoint.WebSocketPath);
        Assert.True(endpoint.UseWebSocket);
    }

    [Fact]
    public void An_mqtt_uri_path_stays_a_topic_and_not_a_websocket_path()
    {
        var endpoint = MqttEndpoint.Parse("mqtts://broker.example/sensors/t1");

        Assert.Null(endpoint.WebSocketPath);
        Assert.False(endpoint.UseWebSocket);
        Assert.Equal("mqtts://broker.example:8883", endpoint.ToString());
    }

    [Fact]
    public void ToString_writes_the_websocket_path_back()
    {
        Assert.Equal("wss://broker.example:443/mqtt", MqttEndpoint.Parse("wss://broker.example").ToString());
        Assert.Equal("ws://10.0.0.1:8080/ws", new MqttEndpoint("10.0.0.1", 8080, webSocketPath: "/ws").ToString());
    }

    [Theory]
    [InlineData("mqtt")]
    [InlineData("/a b")]
    [InlineData("/a\r\nX-Injected: 1")]
    public void A_path_that_could_rewrite_the_request_line_is_refused(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => new MqttEndpoint("broker.example", webSocketPath: path));
        Assert.Equal("webSocketPath", error.ParamName);
    }

    [Fact]
    public void An_unknown_scheme_names_the_websocket_schemes_too()
    {
        var error = Assert.Throws<ArgumentException>(() => MqttEndpoint.Parse("http://broker.example"));
        Assert.Contains("ws://", error.Message, StringComparison.Ordinal);
        Assert.Contains("wss://", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadHeaders => new()
    {
        { "X-Token", "a\r\nInjected: 1" },
        { "Bad Name", "v" },
        { "Sec-WebSocket-Protocol", "mqttv3.1" },
        { "upgrade", "h2c" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task Connect_refuses_request_headers_that_would_forge_or_break_the_handshake(string name, string value)
    {
        await using var client = new MqttClient(new MqttClientOptions
        {
            Servers = [MqttEndpoint.Parse("ws://127.0.0.1:1/mqtt")],
            WebSocket = new MqttWebSocketOptions { RequestHeaders = new Dictionary<string, string> { [name] = value } },
        });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());
        Assert.Contains("WebSocket.RequestHeaders", error.Message, StringComparison.Ordinal);
    }
}
