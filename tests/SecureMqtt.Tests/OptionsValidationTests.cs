using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Packets;

namespace SecureMqtt.Tests;

public class OptionsValidationTests
{
    public static TheoryData<string, MqttClientOptions> Contradictions => new()
    {
        { "Host", new MqttClientOptions { Host = " " } },
        { "Port", new MqttClientOptions { Port = 70000 } },
        { "KeepAlive", new MqttClientOptions { KeepAlive = TimeSpan.FromSeconds(-1) } },
        { "KeepAlive", new MqttClientOptions { KeepAlive = TimeSpan.FromSeconds(70000) } },
        { "ReceiveMaximum", new MqttClientOptions { ReceiveMaximum = 0 } },
        { "MaximumPacketSize", new MqttClientOptions { MaximumPacketSize = 10 } },
        { "ConnectTimeout", new MqttClientOptions { ConnectTimeout = TimeSpan.Zero } },
        { "DisconnectTimeout", new MqttClientOptions { DisconnectTimeout = TimeSpan.FromSeconds(-1) } },
        { "OutputBufferSize", new MqttClientOptions { OutputBufferSize = 10 } },
        { "IncomingMessageChannelCapacity", new MqttClientOptions { IncomingMessageChannelCapacity = 0 } },
        { "ClientId", new MqttClientOptions { ProtocolVersion = MqttProtocolVersion.V311, CleanStart = false } },
        { "SessionExpiry", new MqttClientOptions { ProtocolVersion = MqttProtocolVersion.V311, ClientId = "c", SessionExpiry = TimeSpan.FromMinutes(1) } },
        { "TopicAliasMaximum", new MqttClientOptions { ProtocolVersion = MqttProtocolVersion.V311, TopicAliasMaximum = 5 } },
        { "UseOutgoingTopicAliases", new MqttClientOptions { ProtocolVersion = MqttProtocolVersion.V311, UseOutgoingTopicAliases = true } },
        { "WillDelay", new MqttClientOptions { WillDelay = TimeSpan.FromSeconds(5) } },
        { "ConnectUserProperties", new MqttClientOptions { ProtocolVersion = MqttProtocolVersion.V311, ConnectUserProperties = [new("a", "b")] } },
        { "RequestProblemInformation", new MqttClientOptions { ProtocolVersion = MqttProtocolVersion.V311, RequestProblemInformation = false } },
        { "RequestResponseInformation", new MqttClientOptions { ProtocolVersion = MqttProtocolVersion.V311, RequestResponseInformation = true } },
        { "Will", new MqttClientOptions { Will = new MqttMessage { Topic = "a/#" } } },
        { "Tls.AllowUntrustedServerCertificate", new MqttClientOptions { Tls = new MqttTlsOptions { CaFile = "ca.pem", AllowUntrustedServerCertificate = true } } },
        { "Tls.Pkcs12File", new MqttClientOptions { Tls = new MqttTlsOptions { Pkcs12File = "c.p12", ClientCertificateFile = "c.pem" } } },
        { "Tls.ClientKeyFile", new MqttClientOptions { Tls = new MqttTlsOptions { ClientKeyFile = "c.key" } } },
        { "Tls.ClientKeyPassphrase", new MqttClientOptions { Tls = new MqttTlsOptions { ClientKeyPassphrase = "x" } } },
        { "Tls.Pkcs12Password", new MqttClientOptions { Tls = new MqttTlsOptions { Pkcs12Password = "x" } } },
        { "Tls.MinimumVersion", new MqttClientOptions { Tls = new MqttTlsOptions { MinimumVersion = SslProtocols.None } } },
        { "Tls.CaCertificates", new MqttClientOptions { Tls = new MqttTlsOptions { CaFile = "ca.pem", CaCertificates = [PublicOnly()] } } },
        { "Tls.CaCertificates", new MqttClientOptions { Tls = new MqttTlsOptions { CaCertificates = [] } } },
        { "Tls.AllowUntrustedServerCertificate", new MqttClientOptions { Tls = new MqttTlsOptions { CaCertificates = [PublicOnly()], AllowUntrustedServerCertificate = true } } },
        { "Tls.PinOnly", new MqttClientOptions { Tls = new MqttTlsOptions { CaCertificates = [PublicOnly()], PinOnly = true, PinnedPublicKeys = ["sha256/" + Convert.ToBase64String(new byte[32])] } } },
        { "Tls.ClientCertificate", new MqttClientOptions { Tls = new MqttTlsOptions { ClientCertificate = WithKey(), ClientCertificateFile = "c.pem" } } },
        { "Tls.ClientCertificate", new MqttClientOptions { Tls = new MqttTlsOptions { ClientCertificate = WithKey(), Pkcs12File = "c.p12" } } },
        { "Tls.ClientCertificate", new MqttClientOptions { Tls = new MqttTlsOptions { ClientCertificate = PublicOnly() } } },
        { "Tls.ClientKeyFile", new MqttClientOptions { Tls = new MqttTlsOptions { ClientCertificate = WithKey(), ClientKeyFile = "c.key" } } },
        { "Tls.PreSharedKey", new MqttClientOptions { Tls = new MqttTlsOptions { ClientCertificate = WithKey(), PreSharedKey = MqttPreSharedKey.FromHex("id", "00112233") } } },
    };

    // Certificate objects for the contradictions: the checks look at them, never use them.
    private static X509Certificate2 WithKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=validation-test", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 PublicOnly()
    {
        using var withKey = WithKey();
        return X509CertificateLoader.LoadCertificate(withKey.RawData);
    }

    [Fact]
    public void Certificate_objects_are_described_by_subject_without_their_keys()
    {
        using var ca = PublicOnly();
        using var device = WithKey();
        var text = new MqttTlsOptions { CaCertificates = [ca], ClientCertificate = device }.ToString();

        Assert.Contains("CaCertificates = 'CN=validation-test'", text, StringComparison.Ordinal);
        Assert.Contains("ClientCertificate = 'CN=validation-test'", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_certificate_without_its_key_is_refused_with_the_reason()
    {
        var options = new MqttClientOptions { Tls = new MqttTlsOptions { ClientCertificate = PublicOnly() } };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("has no private key, so it cannot prove the client's identity", error.Message, StringComparison.Ordinal);
        Assert.Contains("CN=validation-test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_disposed_client_certificate_is_refused_as_disposed()
    {
        var certificate = WithKey();
        certificate.Dispose();
        var options = new MqttClientOptions { Tls = new MqttTlsOptions { ClientCertificate = certificate } };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("has been disposed", error.Message, StringComparison.Ordinal);
        Assert.Contains("ClientCertificate = (disposed)", options.Tls.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Contradictions))]
    public async Task Connect_rejects_contradictory_or_out_of_range_options_naming_the_option(string option, MqttClientOptions options)
    {
        await using var client = new MqttClient(options);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());
        Assert.Equal(option, error.ParamName);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Contradictions))]
    public async Task Validate_gives_the_same_error_as_connect_without_connecting(string option, MqttClientOptions options)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);
        await using var client = new MqttClient(options);
        var atConnect = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync());
        Assert.Equal(option, error.ParamName);
        Assert.Equal(atConnect.Message, error.Message);
        Assert.Contains($"(option {option})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_valid_and_safe()
    {
        var options = new MqttClientOptions();
        MqttClientOptionsValidator.Validate(options);
        Assert.Null(options.Tls);
        Assert.Equal(1883, Assert.Single(options.Endpoints).Port);
        Assert.Equal(8883, Assert.Single((options with { Tls = new MqttTlsOptions() }).Endpoints).Port);
        Assert.True(options.Reconnect.Enabled);
        Assert.False(options.Reconnect.RetryFirstConnect);
        Assert.Equal(MqttOfflineQueueFullMode.Wait, options.OfflineQueue.FullMode);
        Assert.False(options.OfflineQueue.DropAtMostOnce);
        Assert.Equal(MqttProtocolVersion.V500, options.ProtocolVersion);
        Assert.Equal(TimeSpan.FromSeconds(60), options.KeepAlive);
        Assert.Equal(System.Threading.Channels.BoundedChannelFullMode.Wait, options.IncomingMessageFullMode);
        Assert.Equal(SslProtocols.Tls12, new MqttTlsOptions().MinimumVersion);
        Assert.False(new MqttTlsOptions().AllowUntrustedServerCertificate);
    }

    [Fact]
    public void Secrets_never_appear_in_the_text_of_options()
    {
        var options = new MqttClientOptions
        {
            Credentials = new MqttCredentials("alice", "pw-123"),
            Tls = new MqttTlsOptions { ClientCertificateFile = "c.pem", ClientKeyPassphrase = "phrase-456", Pkcs12Password = null },
        };
        var text = options.ToString();
        Assert.Contains("alice", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("phrase-456", text, StringComparison.Ordinal);
        Assert.DoesNotContain("p12-789", new MqttTlsOptions { Pkcs12File = "a.p12", Pkcs12Password = "p12-789" }.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_before_connect_fails_with_connection_lost_not_a_null_reference()
    {
        await using var client = new MqttClient(new MqttClientOptions());
        var error = await Assert.ThrowsAsync<MqttConnectionLostException>(() => client.PublishAsync("t", new byte[] { 1 }).AsTask());
        Assert.Contains("ConnectAsync", error.Message, StringComparison.Ordinal);
    }
}
