using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests;

/// <summary>The other ways to describe the TLS setup: a CA directory, a URL, a minimum TLS version.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class TlsOptionTests(MosquittoFixture broker)
{
    [Fact]
    public async Task Capath_trusts_the_certificates_in_a_directory()
    {
        var directory = Directory.CreateTempSubdirectory("smqtt-capath-").FullName;
        try
        {
            File.Copy(broker.CaCertificatePath, Path.Combine(directory, "ca.pem"));
            await File.WriteAllTextAsync(Path.Combine(directory, "README"), "not a certificate");

            var result = await Smqtt.PubAsync(["-h", broker.Host, "-p", $"{broker.TlsPort}", "--capath", directory, "-t", ListenerArguments.Topic("capath"), "-m", "y", "-q", "1"]);

            Assert.True(result.ExitCode == 0, result.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_url_gives_host_port_and_topic()
    {
        var topic = ListenerArguments.Topic("url");
        await using var observer = await MosquittoSubscription.StartAsync(ListenerArguments.For(broker, Listener.Tls), topic);

        var result = await Smqtt.PubAsync(["-L", $"mqtts://{broker.Host}:{broker.TlsPort}/{topic}", "--cafile", broker.CaCertificatePath, "-m", "via url", "-q", "1"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["via url"], await observer.WaitForMessagesAsync());
    }

    [Fact]
    public async Task An_mqtts_url_alone_turns_tls_on_and_verifies_against_the_os_store()
    {
        // No TLS option at all: the scheme asks for TLS, and the fixture's own CA is not in the OS store.
        var result = await Smqtt.PubAsync(["-L", $"mqtts://{broker.Host}:{broker.TlsPort}/{ListenerArguments.Topic("url-os")}", "-m", "y"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("certificate verify failed", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_version_1_3_is_a_minimum_the_broker_can_meet()
    {
        var result = await Smqtt.PubAsync([.. ListenerArguments.For(broker, Listener.MutualTls), "--tls-version", "tlsv1.3", "-t", ListenerArguments.Topic("tls13"), "-m", "y", "-q", "1"]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task A_missing_client_certificate_on_the_mutual_tls_listener_is_one_error_line()
    {
        var result = await Smqtt.PubAsync(["-h", broker.Host, "-p", $"{broker.MutualTlsPort}", "--cafile", broker.CaCertificatePath, "-t", "x", "-m", "y"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("Error: ", Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
