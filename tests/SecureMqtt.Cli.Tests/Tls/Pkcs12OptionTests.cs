using SecureMqtt.Testing;

namespace SecureMqtt.Cli.Tests.Tls;

/// <summary>smqtt pub/sub --pkcs12 against the fixture's mutual-TLS listener, and --capath without a bundle file.</summary>
[Collection(MosquittoFixture.CollectionName)]
public sealed class Pkcs12OptionTests(MosquittoFixture broker) : IDisposable
{
    private const string Passphrase = "p12 s3cret";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("smqtt-p12-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Pub_and_sub_connect_with_a_pkcs12_client_certificate_and_a_wrong_passphrase_is_one_error_line()
    {
        var p12 = WritePkcs12("p12-device");
        var topic = ListenerArguments.Topic("pkcs12");
        string[] connection = ["-h", broker.Host, "-p", $"{broker.MutualTlsPort}", "--cafile", broker.CaCertificatePath, "--pkcs12", p12];

        var noPassphrase = await Smqtt.PubAsync([.. connection, "-t", topic, "-m", "x"]);
        var wrong = await WithPassphraseAsync("not the one", () => Smqtt.PubAsync([.. connection, "-t", topic, "-m", "x"]));
        var (published, received) = await WithPassphraseAsync(Passphrase, async () =>
        {
            var pub = await Smqtt.PubAsync([.. connection, "-t", topic, "-m", "over p12", "-r", "-q", "1"]);
            var sub = await Smqtt.StartSub([.. connection, "-t", topic, "-C", "1"]).ResultAsync();
            return (pub, sub);
        });

        Assert.Equal(1, noPassphrase.ExitCode);
        Assert.Contains("SMQTT_KEY_PASSPHRASE", Assert.Single(Lines(noPassphrase.Error)), StringComparison.Ordinal);
        Assert.Equal(1, wrong.ExitCode);
        var line = Assert.Single(Lines(wrong.Error));
        Assert.StartsWith($"Error: The PKCS#12 file {p12} cannot be opened with the passphrase from SMQTT_KEY_PASSPHRASE", line, StringComparison.Ordinal);
        Assert.DoesNotContain("not the one", line, StringComparison.Ordinal);
        Assert.True(published.ExitCode == 0, published.ToString());
        Assert.True(received.ExitCode == 0, received.ToString());
        Assert.Equal("over p12\n", received.Text);
    }

    [Fact]
    public async Task Pkcs12_together_with_cert_and_key_is_a_usage_error()
    {
        var p12 = WritePkcs12("p12-twice");

        var result = await Smqtt.PubAsync(["-h", broker.Host, "-p", $"{broker.MutualTlsPort}", "--cafile", broker.CaCertificatePath,
            "--pkcs12", p12, "--cert", broker.ClientCertificatePath, "--key", broker.ClientKeyPath, "-t", "x", "-m", "y"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("either --pkcs12 or --cert and --key, not both", Assert.Single(Lines(result.Error)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Capath_loads_each_CA_once_into_memory_and_verifies_the_mutual_tls_broker()
    {
        var capath = _dir.CreateSubdirectory("capath").FullName;
        File.Copy(broker.CaCertificatePath, Path.Combine(capath, "ca.pem"));
        File.Copy(broker.CaCertificatePath, Path.Combine(capath, "0123abcd.0")); // a c_rehash-style duplicate
        await File.WriteAllTextAsync(Path.Combine(capath, "README"), "not a certificate");

        var loaded = Common.CaDirectory.Load(capath);
        var result = await Smqtt.PubAsync(["-h", broker.Host, "-p", $"{broker.MutualTlsPort}", "--capath", capath,
            "--cert", broker.ClientCertificatePath, "--key", broker.ClientKeyPath, "-t", ListenerArguments.Topic("capath-mem"), "-m", "y", "-q", "1"]);

        Assert.Equal(broker.LoadCaCertificate().Thumbprint, Assert.Single(loaded).Thumbprint);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private string WritePkcs12(string name)
    {
        using var device = broker.Authority.IssueClientCertificate(name);
        var path = Path.Combine(_dir.FullName, name + ".p12");
        File.WriteAllBytes(path, device.ExportPkcs12(Passphrase));
        return path;
    }

    // The collection runs its tests one at a time, so the process-wide variable is this test's while it runs.
    private static async Task<T> WithPassphraseAsync<T>(string passphrase, Func<Task<T>> run)
    {
        Environment.SetEnvironmentVariable("SMQTT_KEY_PASSPHRASE", passphrase);
        try
        {
            return await run();
        }
        finally
        {
            Environment.SetEnvironmentVariable("SMQTT_KEY_PASSPHRASE", null);
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
