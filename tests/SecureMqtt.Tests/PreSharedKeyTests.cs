namespace SecureMqtt.Tests;

public class PreSharedKeyTests
{
    [Fact]
    public void Dispose_zeroes_the_owned_copy_and_later_use_is_refused()
    {
        var key = MqttPreSharedKey.FromHex("device", "00112233445566778899aabbccddeeff");
        var owned = key.Key;
        Assert.Equal(0x11, owned.Span[1]);

        key.Dispose();

        Assert.True(key.IsDisposed);
        Assert.All(owned.ToArray(), b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => key.Key);
        Assert.DoesNotContain("0011", key.ToString(), StringComparison.OrdinalIgnoreCase);
        key.Dispose();
    }

    [Fact]
    public async Task Connecting_with_a_disposed_key_fails_before_any_network_io()
    {
        var key = new MqttPreSharedKey("device", new byte[16]);
        key.Dispose();
        await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", Port = 1, Tls = new MqttTlsOptions { PreSharedKey = key } });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());

        Assert.Equal("Tls.PreSharedKey", error.ParamName);
        Assert.Contains("disposed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_caller_keeps_its_own_bytes_untouched()
    {
        var bytes = new byte[] { 1, 2, 3, 4 };
        using (var key = new MqttPreSharedKey("device", bytes))
        {
            Assert.Equal(bytes, key.Key.ToArray());
        }

        Assert.Equal([1, 2, 3, 4], bytes);
    }
}
