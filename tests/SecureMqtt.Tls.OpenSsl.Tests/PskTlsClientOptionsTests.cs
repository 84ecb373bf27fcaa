using System.Runtime.InteropServices;
using System.Security.Authentication;

namespace SecureMqtt.Tls.OpenSsl.Tests;

public class PskTlsClientOptionsTests
{
    [Theory]
    [InlineData("00ff10Ab", new byte[] { 0x00, 0xFF, 0x10, 0xAB })]
    [InlineData("0x0102", new byte[] { 0x01, 0x02 })]
    [InlineData(" 0a0b ", new byte[] { 0x0A, 0x0B })]
    public void Parses_hex_keys_as_mosquitto_writes_them(string hex, byte[] expected)
    {
        Assert.Equal(expected, PskTlsClientOptions.ParseHexKey(hex));
    }

    [Fact]
    public void Rejects_an_odd_number_of_hex_digits_saying_so()
    {
        var ex = Assert.Throws<FormatException>(() => PskTlsClientOptions.ParseHexKey("abc"));
        Assert.Contains("odd number", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_non_hex_character_naming_its_position_but_not_the_key()
    {
        var ex = Assert.Throws<FormatException>(() => PskTlsClientOptions.ParseHexKey("00112g33"));
        Assert.Contains("position 6", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("00112g33", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x")]
    public void Rejects_an_empty_key(string hex)
    {
        var ex = Assert.Throws<FormatException>(() => PskTlsClientOptions.ParseHexKey(hex));
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Is_supported_exactly_where_libssl_3_loads()
    {
        var loads = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libssl.so.3", out _);
        Assert.Equal(loads, PskTlsStream.IsSupported);
    }

    [Fact]
    public async Task Refuses_a_maximum_version_below_the_minimum_before_touching_the_stream()
    {
        using var inner = new MemoryStream();
        var options = new PskTlsClientOptions
        {
            Identity = "id",
            Key = new byte[16],
            MinimumVersion = SslProtocols.Tls13,
            MaximumVersion = SslProtocols.Tls12,
        };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => PskTlsStream.ConnectAsync(inner, options));
        Assert.Contains("MaximumVersion", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.Length);
    }

    [Fact]
    public async Task Refuses_an_empty_identity()
    {
        using var inner = new MemoryStream();
        var options = new PskTlsClientOptions { Identity = "", Key = new byte[16] };
        await Assert.ThrowsAsync<ArgumentException>(() => PskTlsStream.ConnectAsync(inner, options));
    }
}
