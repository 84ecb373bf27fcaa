using System.Text.RegularExpressions;

namespace SecureMqtt.Pki.Tests;

/// <summary>What openssl, the reference every TLS peer resembles, says about the certificates smqtt makes.</summary>
public sealed partial class OpenSslInteropTests
{
    public static TheoryData<string> KeyTypes => ["ec-p256", "ec-p384", "rsa-2048"];

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public async Task Openssl_verify_accepts_every_chain_the_tool_makes(string keyType)
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path, "--key-type", keyType);
        await Smqtt.SucceedAsync("certs", "server", "--dir", dir.Path, "--key-type", keyType, "--dns", "broker.example", "--ip", "127.0.0.1");
        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--key-type", keyType, "--name", "device-42");

        var verify = await OpenSsl.RunAsync("verify", "-CAfile", dir["ca.crt"], dir["ca.crt"], dir["server.crt"], dir["device-42.crt"]);
        var purposes = await OpenSsl.RunAsync("verify", "-CAfile", dir["ca.crt"], "-purpose", "sslserver", dir["server.crt"]);
        var clientPurpose = await OpenSsl.RunAsync("verify", "-CAfile", dir["ca.crt"], "-purpose", "sslclient", dir["device-42.crt"]);

        Assert.Equal(0, verify.ExitCode);
        Assert.Equal(3, OkLine().Matches(verify.StandardOutput).Count);
        Assert.Equal(0, purposes.ExitCode);
        Assert.Equal(0, clientPurpose.ExitCode);
    }

    [Theory]
    [InlineData("ec-p256", "ecdsa-with-SHA256", "Public-Key: (256 bit)")]
    [InlineData("ec-p384", "ecdsa-with-SHA384", "Public-Key: (384 bit)")]
    [InlineData("rsa-2048", "sha256WithRSAEncryption", "Public-Key: (2048 bit)")]
    public async Task Ca_certificate_is_a_critical_ca_that_may_sign_certificates_and_crls(string keyType, string signature, string keySize)
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path, "--key-type", keyType, "--name", "Test CA");

        var text = await OpenSsl.TextAsync(dir["ca.crt"]);

        Assert.Contains("X509v3 Basic Constraints: critical", text);
        Assert.Contains("CA:TRUE", text);
        Assert.Contains("X509v3 Key Usage: critical", text);
        Assert.Matches(@"Key Usage: critical\s+Certificate Sign, CRL Sign\s", text);
        Assert.Contains("X509v3 Subject Key Identifier", text);
        Assert.Contains("Subject: CN = Test CA", text);
        Assert.Contains("Issuer: CN = Test CA", text);
        Assert.Contains($"Signature Algorithm: {signature}", text);
        Assert.Contains(keySize, text);
    }

    [Fact]
    public async Task Server_certificate_names_every_san_and_allows_only_server_authentication()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "server", "--dir", dir.Path, "--dns", "broker.example", "--dns", "mqtt.internal", "--ip", "127.0.0.1", "--ip", "::1", "--ip", "192.168.1.10");

        var text = await OpenSsl.TextAsync(dir["server.crt"]);

        Assert.Matches(@"Subject Alternative Name:\s+DNS:broker.example, DNS:mqtt.internal, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.10\s", text);
        Assert.Matches(@"Extended Key Usage:\s+TLS Web Server Authentication\s", text);
        Assert.Matches(@"Basic Constraints: critical\s+CA:FALSE", text);
        Assert.Matches(@"Key Usage: critical\s+Digital Signature\s", text);
        Assert.Contains("X509v3 Authority Key Identifier", text);
        Assert.Contains("X509v3 Subject Key Identifier", text);
        Assert.Contains("Subject: CN = broker.example", text);
        Assert.Contains("Issuer: CN = SecureMqtt CA", text);
    }

    [Fact]
    public async Task Rsa_server_certificate_also_allows_key_encipherment()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "server", "--dir", dir.Path, "--key-type", "rsa-2048", "--dns", "broker.example");

        var text = await OpenSsl.TextAsync(dir["server.crt"]);

        Assert.Matches(@"Key Usage: critical\s+Digital Signature, Key Encipherment\s", text);
    }

    [Fact]
    public async Task Client_certificate_has_the_device_name_as_cn_and_allows_only_client_authentication()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "device-42");

        var text = await OpenSsl.TextAsync(dir["device-42.crt"]);

        Assert.Contains("Subject: CN = device-42", text);
        Assert.Matches(@"Extended Key Usage:\s+TLS Web Client Authentication\s", text);
        Assert.Matches(@"Basic Constraints: critical\s+CA:FALSE", text);
        Assert.Matches(@"Key Usage: critical\s+Digital Signature\s", text);
        Assert.DoesNotContain("Subject Alternative Name", text);
    }

    [Fact]
    public async Task Serial_numbers_are_random_positive_sixteen_byte_values()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "a");
        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "b");

        var a = await OpenSsl.RunAsync("x509", "-in", dir["a.crt"], "-noout", "-serial");
        var b = await OpenSsl.RunAsync("x509", "-in", dir["b.crt"], "-noout", "-serial");

        var serialA = a.StandardOutput.Trim()["serial=".Length..];
        var serialB = b.StandardOutput.Trim()["serial=".Length..];
        Assert.Equal(32, serialA.Length);
        Assert.NotEqual(serialA, serialB);
        Assert.True(Convert.ToByte(serialA[..2], 16) < 0x80, serialA);
    }

    [GeneratedRegex(": OK$", RegexOptions.Multiline)]
    private static partial Regex OkLine();
}
