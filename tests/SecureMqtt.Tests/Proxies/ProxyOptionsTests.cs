namespace SecureMqtt.Tests.Proxies;

public class ProxyOptionsTests
{
    [Theory]
    [InlineData("http://proxy.example:3128", MqttProxyKind.Http, "proxy.example", 3128)]
    [InlineData("http://proxy.example", MqttProxyKind.Http, "proxy.example", 80)]
    [InlineData("socks5://10.0.0.1:1081", MqttProxyKind.Socks5, "10.0.0.1", 1081)]
    [InlineData("socks5h://proxy.example", MqttProxyKind.Socks5, "proxy.example", 1080)]
    [InlineData("SOCKS5://[::1]:1080/", MqttProxyKind.Socks5, "::1", 1080)]
    public void A_proxy_url_gives_kind_host_and_port(string url, MqttProxyKind kind, string host, int port)
    {
        var options = MqttProxyOptions.Parse(url);

        Assert.Equal(kind, options.Kind);
        Assert.Equal(host, options.Host);
        Assert.Equal(port, options.Port);
        Assert.Null(options.Credentials);
    }

    [Fact]
    public void User_name_and_password_in_the_url_are_percent_decoded()
    {
        var options = MqttProxyOptions.Parse("socks5://alice%40corp:p%3Ass%20w@127.0.0.1:1080");

        Assert.Equal(new MqttCredentials("alice@corp", "p:ss w"), options.Credentials);
    }

    [Theory]
    [InlineData("proxy.example:3128", "unknown proxy scheme")]
    [InlineData("not a url", "not a proxy URL")]
    [InlineData("https://proxy.example:3128", "https")]
    [InlineData("socks4://proxy.example", "SOCKS4")]
    [InlineData("ftp://proxy.example", "unknown proxy scheme")]
    [InlineData("http://proxy.example:3128/path", "no path")]
    [InlineData("http://proxy.example:3128?x=1", "no path")]
    [InlineData("socks5://:secret@proxy.example", "user name is empty")]
    [InlineData("http://a:b@proxy.example:0", "outside 1-65535")]
    public void A_bad_proxy_url_is_an_argument_exception_that_says_why(string url, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => MqttProxyOptions.Parse(url));

        Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Neither_a_parse_error_nor_ToString_reveals_the_password()
    {
        var error = Assert.Throws<ArgumentException>(() => MqttProxyOptions.Parse("http://bob:hunter2@proxy.example:3128/x"));
        var options = MqttProxyOptions.Parse("http://bob:hunter2@proxy.example:3128");

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", options.ToString(), StringComparison.Ordinal);
        Assert.Equal("http://bob:***@proxy.example:3128", options.ToString());
    }

    [Fact]
    public void A_socks5_user_name_above_255_bytes_is_refused_before_connecting()
    {
        var options = new MqttProxyOptions { Kind = MqttProxyKind.Socks5, Host = "127.0.0.1", Port = 1080, Credentials = new MqttCredentials(new string('u', 256), "p") };

        var error = Assert.Throws<ArgumentException>(() => Transport.Proxies.ProxyConnector.ConnectAsync(options, "broker", 1883, CancellationToken.None).AsTask().GetAwaiter().GetResult());

        Assert.Contains("RFC 1929", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MqttProxyFailureKind.Unreachable, true)]
    [InlineData(MqttProxyFailureKind.Refused, true)]
    [InlineData(MqttProxyFailureKind.Timeout, true)]
    [InlineData(MqttProxyFailureKind.AuthenticationFailed, false)]
    [InlineData(MqttProxyFailureKind.ProtocolError, false)]
    public void Only_unreachable_refused_and_timed_out_proxies_are_transient(MqttProxyFailureKind kind, bool transient)
    {
        Assert.Equal(transient, new MqttProxyException(kind, "x").IsTransient);
    }
}
