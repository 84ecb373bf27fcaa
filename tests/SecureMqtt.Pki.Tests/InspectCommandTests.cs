using SecureMqtt.Testing;

namespace SecureMqtt.Pki.Tests;

[Collection(MosquittoFixture.CollectionName)]
public sealed class InspectCommandTests(MosquittoFixture broker)
{
    [Fact]
    public async Task Inspecting_a_file_prints_names_usages_validity_fingerprint_and_pin()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "server", "--dir", dir.Path, "--dns", "broker.example", "--ip", "10.0.0.5", "--key-type", "rsa-2048", "--days", "100");
        using var certificate = PemReader.ReadCertificate(dir["server.crt"]);

        var result = await Smqtt.SucceedAsync("certs", "inspect", dir["server.crt"], "--cafile", dir["ca.crt"]);

        var output = result.StandardOutput;
        Assert.Contains("Subject:             CN=broker.example", output);
        Assert.Contains("Issuer:              CN=SecureMqtt CA", output);
        Assert.Contains("Names (SAN):         DNS:broker.example, IP:10.0.0.5", output);
        Assert.Contains("(99 days left)", output);
        Assert.Contains("Key:                 RSA 2048", output);
        Assert.Contains("Key usage:           digitalSignature, keyEncipherment", output);
        Assert.Contains("Extended key usage:  serverAuth", output);
        Assert.Contains($"SPKI pin:            {CertificatePins.SpkiSha256Pin(certificate)}", output);
        Assert.Contains($"SHA-256 fingerprint: {CertificatePins.Sha256Fingerprint(certificate)}", output);
        Assert.Contains("Chain: OK", output);
        // Redirected (a StringWriter here): no escape sequences and no trailing blanks from the grid's padding.
        Assert.DoesNotContain('\u001b', output);
        Assert.All(output.Split('\n'), line => Assert.Equal(line.TrimEnd(), line));
    }

    [Fact]
    public async Task Inspecting_with_the_wrong_ca_fails_and_says_who_issued_it()
    {
        using var dir = new TempDirectory();
        using var other = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path, "--name", "Right CA");
        await Smqtt.SucceedAsync("certs", "ca", "--dir", other.Path, "--name", "Other CA");
        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "device-1");

        var result = await Smqtt.RunAsync("certs", "inspect", dir["device-1.crt"], "--cafile", other["ca.crt"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Chain: FAILED", result.StandardOutput);
        Assert.Contains("was issued by 'CN=Right CA', which is not a trusted CA (trusted: 'CN=Other CA')", result.StandardOutput);
    }

    [Fact]
    public async Task Inspecting_an_expired_certificate_says_when_it_expired()
    {
        using var dir = new TempDirectory();
        using var ca = CertificateAuthority.Create("CA", notBefore: DateTimeOffset.UtcNow.AddDays(-30));
        using var expired = ca.IssueClientCertificate("old", new CertificateOptions { NotBefore = DateTimeOffset.UtcNow.AddDays(-20), NotAfter = DateTimeOffset.UtcNow.AddDays(-3) });
        PemFiles.WriteAll([OutputFile.Text(dir["ca.crt"], ca.CertificatePem), OutputFile.Text(dir["old.crt"], expired.CertificatePem)]);

        var result = await Smqtt.RunAsync("certs", "inspect", dir["old.crt"], "--cafile", dir["ca.crt"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("EXPIRED 3 days ago", result.StandardOutput);
        Assert.Contains("the certificate expired on", result.StandardOutput);
    }

    [Fact]
    public async Task Inspecting_a_live_broker_shows_its_certificate_and_verifies_chain_and_name()
    {
        using var expected = PemReader.ReadCertificate(broker.ServerCertificatePath);

        var result = await Smqtt.SucceedAsync("certs", "inspect", "--host", broker.Host, "--port", $"{broker.TlsPort}", "--cafile", broker.CaCertificatePath);

        Assert.Contains("TLS: Tls1", result.StandardOutput);
        Assert.Contains($"SPKI pin:            {CertificatePins.SpkiSha256Pin(expected)}", result.StandardOutput);
        Assert.Contains("Chain: OK", result.StandardOutput);
        Assert.Contains("and names 127.0.0.1", result.StandardOutput);
    }

    [Fact]
    public async Task Inspecting_a_mutual_tls_broker_without_a_client_certificate_still_shows_its_certificate()
    {
        var result = await Smqtt.RunAsync("certs", "inspect", "--host", broker.Host, "--port", $"{broker.MutualTlsPort}", "--cafile", broker.CaCertificatePath);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Subject:             CN=localhost", result.StandardOutput);
        Assert.Contains("Chain: OK", result.StandardOutput);
    }

    [Fact]
    public async Task Inspecting_a_plain_port_says_it_is_not_tls()
    {
        var result = await Smqtt.RunAsync("certs", "inspect", "--host", broker.Host, "--port", $"{broker.PlainPort}", "--timeout", "3");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is this a TLS port?", result.StandardError);
    }
}
