using SecureMqtt.Testing;

namespace SecureMqtt.Pki.Tests;

[Collection(MosquittoFixture.CollectionName)]
public sealed class MosquittoFixtureTests(MosquittoFixture broker)
{
    public static TheoryData<string> Listeners => ["plain", "tls", "mutual-tls"];

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task Delivers_a_message_through_each_listener_with_the_debian_clients(string listener)
    {
        var arguments = ConnectionArguments(listener, withClientCertificate: true);
        var topic = $"fixture/{listener}/{Guid.NewGuid():N}";
        await using var subscription = await MosquittoSubscription.StartAsync(arguments, topic);

        var publish = await ProcessRunner.RunAsync("mosquitto_pub", [.. arguments, "-t", topic, "-m", "hello " + listener, "-q", "1"]);

        Assert.True(publish.ExitCode == 0, $"{publish}\n{broker.Broker.ReadLog()}");
        var messages = await subscription.WaitForMessagesAsync();
        Assert.Equal(["hello " + listener], messages);
    }

    [Fact]
    public async Task Mutual_tls_listener_refuses_a_client_without_a_certificate()
    {
        var arguments = ConnectionArguments("mutual-tls", withClientCertificate: false);

        var publish = await ProcessRunner.RunAsync("mosquitto_pub", [.. arguments, "-t", "fixture/refused", "-m", "x"]);

        Assert.NotEqual(0, publish.ExitCode);
    }

    [Fact]
    public void Private_keys_are_owner_only()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(broker.ClientKeyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(broker.ServerKeyPath));
    }

    private List<string> ConnectionArguments(string listener, bool withClientCertificate)
    {
        var port = listener switch
        {
            "plain" => broker.PlainPort,
            "tls" => broker.TlsPort,
            _ => broker.MutualTlsPort,
        };
        var arguments = new List<string> { "-h", broker.Host, "-p", $"{port}" };
        if (listener != "plain")
        {
            arguments.AddRange(["--cafile", broker.CaCertificatePath]);
        }

        if (listener == "mutual-tls" && withClientCertificate)
        {
            arguments.AddRange(["--cert", broker.ClientCertificatePath, "--key", broker.ClientKeyPath]);
        }

        return arguments;
    }
}

public sealed class MosquittoBrokerTests
{
    [Fact]
    public async Task A_psk_listener_accepts_the_identity_and_key_from_its_psk_file()
    {
        var port = FreePort.Next();
        var work = Directory.CreateTempSubdirectory("psk-").FullName;
        try
        {
            var pskFile = Path.Combine(work, "psk");
            await File.WriteAllTextAsync(pskFile, "device-7:00112233445566778899aabbccddeeff\n");
            await using var broker = await MosquittoBroker.StartAsync(
                [new MosquittoListener { Port = port, PskHint = "securemqtt", PskFile = pskFile, TlsVersion = "tlsv1.2" }]);
            var common = new[] { "-h", "127.0.0.1", "-p", $"{port}", "--psk-identity", "device-7", "-t", "psk/test", "-m", "x", "-q", "1" };

            var right = await ProcessRunner.RunAsync("mosquitto_pub", [.. common, "--psk", "00112233445566778899aabbccddeeff"]);
            var wrong = await ProcessRunner.RunAsync("mosquitto_pub", [.. common, "--psk", "ffeeddccbbaa99887766554433221100"]);

            Assert.True(right.ExitCode == 0, $"{right}\n{broker.ReadLog()}");
            Assert.NotEqual(0, wrong.ExitCode);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task A_broker_that_cannot_start_fails_fast_with_its_own_explanation()
    {
        var port = FreePort.Next();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            MosquittoBroker.StartAsync([new MosquittoListener { Port = port, CertFile = "/nonexistent/server.crt", KeyFile = "/nonexistent/server.key", CaFile = "/nonexistent/ca.crt" }]));

        Assert.Contains("Mosquitto exited", error.Message);
        Assert.Contains("/nonexistent/", error.Message);
    }
}

[Collection(MosquittoFixture.CollectionName)]
public sealed class MosquittoFixtureTlsTests(MosquittoFixture broker)
{
    [Fact]
    public async Task Dotnet_sslstream_completes_mutual_tls_with_the_fixture_files()
    {
        using var client = broker.LoadClientCertificate();
        using var ca = broker.LoadCaCertificate();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(broker.Host, broker.MutualTlsPort);
        await using var tls = new System.Net.Security.SslStream(tcp.GetStream());
        var options = new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = [client],
            CertificateChainPolicy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
            {
                TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { ca },
                RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            },
        };

        await tls.AuthenticateAsClientAsync(options);

        Assert.True(client.HasPrivateKey);
        Assert.True(tls.IsMutuallyAuthenticated);
        // An MQTT CONNECT (3.1.1, clean session, keep-alive 10, client id "fx") proves the broker accepted the client certificate.
        byte[] connect = [0x10, 0x0E, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x0A, 0x00, 0x02, (byte)'f', (byte)'x'];
        await tls.WriteAsync(connect);
        var connack = new byte[4];
        await tls.ReadExactlyAsync(connack).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, connack);
    }
}
