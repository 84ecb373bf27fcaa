using Xunit.Abstractions;
using System.Security.Authentication;
using System.Text;
using SecureMqtt.Tls.OpenSsl.Tests.Support;

namespace SecureMqtt.Tls.OpenSsl.Tests;

/// <summary>A real Mosquitto 2 PSK listener (psk_hint / psk_file), with mosquitto_pub/sub on the other side.</summary>
public class MosquittoPskTests(MosquittoPskBroker broker, ITestOutputHelper output) : IClassFixture<MosquittoPskBroker>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static TheoryData<SslProtocols, string> Versions => new()
    {
        { SslProtocols.Tls12, "TLSv1.2" },
        { SslProtocols.Tls13, "TLSv1.3" },
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Connects_and_gets_connack_over_psk(SslProtocols version, string expectedProtocol)
    {
        await using var tls = await ConnectMqttAsync(version);

        output.WriteLine($"{tls.NegotiatedProtocol} {tls.CipherSuite}");
        Assert.Equal(expectedProtocol, tls.NegotiatedProtocol);
        Assert.NotEmpty(tls.CipherSuite);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Publishes_a_message_that_mosquitto_sub_receives_over_psk(SslProtocols version, string expectedProtocol)
    {
        _ = expectedProtocol;
        var subscriberId = "psk-sub-" + Guid.NewGuid().ToString("N")[..8];
        var payload = "psk-hello-" + Guid.NewGuid().ToString("N")[..8];
        await using var subscriber = ExternalProcess.Start("mosquitto_sub",
        [
            "-h", "127.0.0.1", "-p", broker.PskPort.ToString(), "--psk", MosquittoPskBroker.HexKey, "--psk-identity", MosquittoPskBroker.Identity,
            "-i", subscriberId, "-t", "t", "-C", "1", "-W", "10",
        ]);

        // mosquitto_sub's stdout is block-buffered on a pipe, so learn that it subscribed from the broker's log instead.
        await broker.Process.WaitForLineAsync($"Sending SUBACK to {subscriberId}", Wait);

        await using var tls = await ConnectMqttAsync(version);
        await tls.WriteAsync(Mqtt.PublishT(payload));

        Assert.Equal(0, await subscriber.Exited.WaitAsync(Wait));
        Assert.Contains(payload, subscriber.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receives_what_mosquitto_pub_publishes_over_psk()
    {
        await using var tls = await ConnectMqttAsync(SslProtocols.Tls13);
        await tls.WriteAsync(Mqtt.SubscribeT);
        Assert.Equal(Mqtt.SubAckT, await Net.ReadExactlyAsync(tls, Mqtt.SubAckT.Length, Wait));

        var payload = "from-mosquitto-pub-" + Guid.NewGuid().ToString("N")[..8];
        await using var publisher = ExternalProcess.Start("mosquitto_pub",
        [
            "-h", "127.0.0.1", "-p", broker.PskPort.ToString(), "--psk", MosquittoPskBroker.HexKey, "--psk-identity", MosquittoPskBroker.Identity,
            "-t", "t", "-m", payload,
        ]);

        var expected = Mqtt.PublishT(payload);
        Assert.Equal(expected, await Net.ReadExactlyAsync(tls, expected.Length, Wait));
        Assert.Equal(0, await publisher.Exited.WaitAsync(Wait));
    }

    [Fact]
    public async Task Lets_a_write_through_while_a_read_is_waiting_for_data()
    {
        await using var tls = await ConnectMqttAsync(SslProtocols.Tls13);

        // The read has nothing to read until the PINGREQ below gets out; if it held the SSL lock while waiting, this would hang.
        var buffer = new byte[2];
        using var cts = new CancellationTokenSource(Wait);
        var pendingRead = tls.ReadExactlyAsync(buffer, cts.Token).AsTask();
        Assert.False(pendingRead.IsCompleted);

        await tls.WriteAsync(Mqtt.PingReq, cts.Token);

        await pendingRead;
        Assert.Equal(Mqtt.PingResp, buffer);
    }

    [Fact]
    public async Task Carries_a_payload_larger_than_one_tls_record_in_both_directions()
    {
        await using var tls = await ConnectMqttAsync(SslProtocols.Tls12);
        await tls.WriteAsync(Mqtt.SubscribeT);
        Assert.Equal(Mqtt.SubAckT, await Net.ReadExactlyAsync(tls, Mqtt.SubAckT.Length, Wait));

        // 40,000 payload bytes: remaining length 40,003 = 0xC3 0xB8 0x02 as a variable byte integer.
        var payload = Enumerable.Range(0, 40_000).Select(i => (byte)(i % 251)).ToArray();
        byte[] publish = [0x30, 0xC3, 0xB8, 0x02, 0x00, 0x01, (byte)'t', .. payload];
        await tls.WriteAsync(publish);

        Assert.Equal(publish, await Net.ReadExactlyAsync(tls, publish.Length, Wait));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Reports_an_identity_missing_from_the_psk_file_as_unknown_identity(SslProtocols version, string expectedProtocol)
    {
        _ = expectedProtocol;
        await using var inner = await Net.ConnectAsync(broker.PskPort);
        var options = Options(version) with { Identity = "not-in-psk-file" };

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, options));
        output.WriteLine(ex.Message);

        Assert.Equal(PskTlsFailure.UnknownIdentity, ex.Kind);
        Assert.Contains("not-in-psk-file", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Reports_a_key_that_differs_from_the_psk_file_as_key_mismatch(SslProtocols version, string expectedProtocol)
    {
        _ = expectedProtocol;
        await using var inner = await Net.ConnectAsync(broker.PskPort);
        var options = Options(version) with { Key = PskTlsClientOptions.ParseHexKey("0123456789abcdef0123456789abcdef") };

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, options));
        output.WriteLine(ex.Message);

        Assert.Equal(PskTlsFailure.KeyMismatch, ex.Kind);
        Assert.DoesNotContain("0123456789abcdef", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Reports_a_plain_mqtt_port_as_closed_before_any_tls_record()
    {
        await using var inner = await Net.ConnectAsync(broker.PlainPort);

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, Options(SslProtocols.Tls13)));
        output.WriteLine(ex.Message);

        Assert.Equal(PskTlsFailure.ConnectionClosed, ex.Kind);
        Assert.Contains("plain MQTT", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_a_certificate_listener_that_answers_tls13_without_the_psk()
    {
        await using var inner = await Net.ConnectAsync(broker.CertificatePort);

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, Options(SslProtocols.Tls13)));
        output.WriteLine(ex.Message);

        Assert.Equal(PskTlsFailure.PskNotUsed, ex.Kind);
    }

    [Fact]
    public async Task Reports_no_shared_cipher_for_a_certificate_listener_under_tls12()
    {
        await using var inner = await Net.ConnectAsync(broker.CertificatePort);

        var ex = await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, Options(SslProtocols.Tls12)));
        output.WriteLine(ex.Message);

        Assert.Equal(PskTlsFailure.NoSharedCipher, ex.Kind);
    }

    private PskTlsClientOptions Options(SslProtocols version) => new()
    {
        Identity = MosquittoPskBroker.Identity,
        Key = PskTlsClientOptions.ParseHexKey(MosquittoPskBroker.HexKey),
        MinimumVersion = version,
        MaximumVersion = version,
        HandshakeTimeout = Wait,
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_second_connection_with_the_session_cache_resumes_the_first_ones_session(SslProtocols version, string expectedProtocol)
    {
        using var cache = new PskSessionCache();
        var first = await ConnectMqttAsync(version, cache);
        Assert.False(first.SessionOffered);
        Assert.False(first.SessionResumed);

        // Ended without close_notify, as a lost connection ends: the kept copy must still be resumable.
        await first.DisposeAsync();
        Assert.True(cache.Stored >= 1, "no resumable session was kept");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var second = await ConnectMqttAsync(version, cache);
        output.WriteLine($"{expectedProtocol}: resumed handshake + CONNACK in {clock.Elapsed.TotalMilliseconds:F1} ms");
        Assert.Equal(expectedProtocol, second.NegotiatedProtocol);
        Assert.True(second.SessionOffered);
        Assert.True(second.SessionResumed, "the broker ran a full handshake instead of resuming");
        Assert.Equal(1, cache.Offered);
    }

    [Fact]
    public async Task A_cached_session_is_not_offered_with_another_key_or_identity()
    {
        using var cache = new PskSessionCache();
        await (await ConnectMqttAsync(SslProtocols.Tls13, cache)).DisposeAsync();

        // The same server, another identity: the session made with the first one's key must not be offered.
        await using var inner = await Net.ConnectAsync(broker.PskPort);
        var other = Options(SslProtocols.Tls13) with { Identity = "someone-else", SessionCache = cache };
        await Assert.ThrowsAsync<PskTlsException>(() => PskTlsStream.ConnectAsync(inner, other));
        Assert.Equal(0, cache.Offered);
    }

    private Task<PskTlsStream> ConnectMqttAsync(SslProtocols version) => ConnectMqttAsync(version, null);

    private async Task<PskTlsStream> ConnectMqttAsync(SslProtocols version, PskSessionCache? cache)
    {
        var tls = await PskTlsStream.ConnectAsync(await Net.ConnectAsync(broker.PskPort), Options(version) with { SessionCache = cache });
        await tls.WriteAsync(Mqtt.Connect);
        Assert.Equal(Mqtt.ConnAckAccepted, await Net.ReadExactlyAsync(tls, Mqtt.ConnAckAccepted.Length, Wait));
        return tls;
    }
}
