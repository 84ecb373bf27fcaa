using System.Security.Authentication;
using System.Text;
using SecureMqtt.Tls.OpenSsl.Tests.Support;

namespace SecureMqtt.Tls.OpenSsl.Tests;

/// <summary>Interoperability with `openssl s_server -psk -nocert`, the reference PSK server.</summary>
public class OpenSslServerTests
{
    private const string Identity = "dev1";
    private const string HexKey = "00112233445566778899aabbccddeeff";
    private const string WrongHexKey = "ffeeddccbbaa99887766554433221100";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static TheoryData<string, SslProtocols, string> Versions => new()
    {
        { "-tls1_2", SslProtocols.Tls12, "TLSv1.2" },
        { "-tls1_3", SslProtocols.Tls13, "TLSv1.3" },
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Completes_the_handshake_and_carries_data_both_ways(string serverFlag, SslProtocols version, string expectedProtocol)
    {
        await using var server = await OpenSslPskServer.StartAsync(HexKey, Identity, serverFlag);
        await using var tls = await PskTlsStream.ConnectAsync(await Net.ConnectAsync(server.Port), Options(HexKey, version));

        Assert.Equal(expectedProtocol, tls.NegotiatedProtocol);
        if (version == SslProtocols.Tls13)
        {
            // A callback-provided TLS 1.3 PSK is bound to SHA-256, so only the two SHA-256 suites can be chosen.
            Assert.Contains(tls.CipherSuite, new[] { "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256" });
        }
        else
        {
            Assert.Contains("PSK", tls.CipherSuite, StringComparison.Ordinal);
        }

        await tls.WriteAsync(Encoding.ASCII.GetBytes("hello-from-client\n"));
        await server.Process.WaitForLineAsync(line => line == "hello-from-client", Wait);

        await server.Process.WriteLineAsync("hello-from-server");
        Assert.Equal("hello-from-server", await ReadLineAsync(tls));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Reports_a_wrong_key_as_key_mismatch(string serverFlag, SslProtocols version, string expectedProtocol)
    {
        _ = expectedProtocol;
        await using var server = await OpenSslPskServer.StartAsync(HexKey, Identity, serverFlag);
        await using var inner = await Net.ConnectAsync(server.Port);

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, Options(WrongHexKey, version)));

        Assert.Equal(PskTlsFailure.KeyMismatch, ex.Kind);
        Assert.DoesNotContain(WrongHexKey, ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.NotEmpty(ex.OpenSslErrors);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Sends_close_notify_when_disposed(string serverFlag, SslProtocols version, string expectedProtocol)
    {
        _ = expectedProtocol;
        await using var server = await OpenSslPskServer.StartAsync(HexKey, Identity, serverFlag);
        var tls = await PskTlsStream.ConnectAsync(await Net.ConnectAsync(server.Port), Options(HexKey, version));
        await tls.WriteAsync(Encoding.ASCII.GetBytes("bye\n"));
        await server.Process.WaitForLineAsync(line => line == "bye", Wait);

        await tls.DisposeAsync();

        // s_server prints DONE when SSL_read reports close_notify; a bare TCP close would print "unexpected eof" instead.
        await server.Process.WaitForLineAsync(line => line == "DONE", Wait);
        Assert.DoesNotContain("unexpected eof", server.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_an_unknown_identity_under_tls13()
    {
        // Under TLS 1.2 s_server only warns about a foreign identity and uses its key anyway; Mosquitto's tests cover 1.2.
        await using var server = await OpenSslPskServer.StartAsync(HexKey, Identity, "-tls1_3");
        await using var inner = await Net.ConnectAsync(server.Port);
        var options = Options(HexKey, SslProtocols.Tls13) with { Identity = "somebody-else" };

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, options));

        Assert.Equal(PskTlsFailure.UnknownIdentity, ex.Kind);
        Assert.Contains("somebody-else", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_no_common_version_when_the_server_only_speaks_tls12()
    {
        await using var server = await OpenSslPskServer.StartAsync(HexKey, Identity, "-tls1_2");
        await using var inner = await Net.ConnectAsync(server.Port);
        var options = Options(HexKey, SslProtocols.Tls13) with { MinimumVersion = SslProtocols.Tls13 };

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, options));

        Assert.Equal(PskTlsFailure.ProtocolVersionMismatch, ex.Kind);
    }

    internal static PskTlsClientOptions Options(string hexKey, SslProtocols version) => new()
    {
        Identity = Identity,
        Key = PskTlsClientOptions.ParseHexKey(hexKey),
        MinimumVersion = SslProtocols.Tls12,
        MaximumVersion = version,
        HandshakeTimeout = Wait,
    };

    private static async Task<string> ReadLineAsync(Stream stream)
    {
        using var cts = new CancellationTokenSource(Wait);
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            var read = await stream.ReadAsync(one, cts.Token);
            Assert.NotEqual(0, read);
            if (one[0] == (byte)'\n')
            {
                return Encoding.ASCII.GetString(line.ToArray());
            }

            line.Add(one[0]);
        }
    }
}
