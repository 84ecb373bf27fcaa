namespace SecureMqtt.Pki.Tests;

public sealed class ForeignCaTests
{
    [Theory]
    [InlineData("ec", "-pkeyopt", "ec_paramgen_curve:P-256")]
    [InlineData("rsa", "-pkeyopt", "rsa_keygen_bits:2048")]
    public async Task A_ca_made_by_openssl_can_issue_with_smqtt(string algorithm, string option, string value)
    {
        using var dir = new TempDirectory();
        var made = await OpenSsl.RunAsync("req", "-x509", "-newkey", algorithm, option, value, "-nodes", "-keyout", dir["ca.key"], "-out", dir["ca.crt"],
            "-days", "30", "-subj", "/CN=OpenSSL CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        Assert.True(made.ExitCode == 0, made.ToString());

        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "device-1", "--days", "10");

        var verify = await OpenSsl.RunAsync("verify", "-CAfile", dir["ca.crt"], dir["device-1.crt"]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }
}
