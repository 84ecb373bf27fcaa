using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecureMqtt.Pki.Tests;

public sealed class KeyFileTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Every_private_key_and_pkcs12_file_is_owner_only()
    {
        using var dir = new TempDirectory();
        Environment.SetEnvironmentVariable("SMQTT_TEST_P12", "p12-secret");
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "server", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "device-42", "--p12", "--passphrase-env", "SMQTT_TEST_P12");

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(dir["ca.key"]));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(dir["server.key"]));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(dir["device-42.key"]));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(dir["device-42.p12"]));
        Assert.True(File.GetUnixFileMode(dir["ca.crt"]).HasFlag(UnixFileMode.OtherRead));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public async Task Existing_files_are_kept_without_force_and_replaced_with_it()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "device-42");
        var key = await File.ReadAllTextAsync(dir["device-42.key"]);
        var certificate = await File.ReadAllTextAsync(dir["device-42.crt"]);
        var caKey = await File.ReadAllTextAsync(dir["ca.key"]);

        var again = await Smqtt.RunAsync("certs", "client", "--dir", dir.Path, "--name", "device-42");
        var caAgain = await Smqtt.RunAsync("certs", "ca", "--dir", dir.Path);

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.StandardError);
        Assert.Contains("--force", again.StandardError);
        Assert.Single(again.StandardError.TrimEnd().Split('\n'));
        Assert.Equal(key, await File.ReadAllTextAsync(dir["device-42.key"]));
        Assert.Equal(certificate, await File.ReadAllTextAsync(dir["device-42.crt"]));
        Assert.Equal(1, caAgain.ExitCode);
        Assert.Equal(caKey, await File.ReadAllTextAsync(dir["ca.key"]));

        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "device-42", "--force");
        Assert.NotEqual(key, await File.ReadAllTextAsync(dir["device-42.key"]));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(dir["device-42.key"]));
    }

    [Fact]
    public async Task Refusing_one_existing_file_writes_none_of_the_others()
    {
        using var dir = new TempDirectory();
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await File.WriteAllTextAsync(dir["device-7.key"], "someone else's key");

        var result = await Smqtt.RunAsync("certs", "client", "--dir", dir.Path, "--name", "device-7");

        Assert.Equal(1, result.ExitCode);
        Assert.False(File.Exists(dir["device-7.crt"]));
        Assert.Equal("someone else's key", await File.ReadAllTextAsync(dir["device-7.key"]));
    }

    [Fact]
    public void Library_writer_refuses_to_overwrite_and_leaves_no_temporary_file()
    {
        using var dir = new TempDirectory();
        var path = dir["secret.key"];
        PemFiles.Write(OutputFile.Text(path, "first", isSecret: true));

        var error = Assert.Throws<PkiException>(() => PemFiles.Write(OutputFile.Text(path, "second", isSecret: true)));

        Assert.Contains("already exists", error.Message);
        Assert.Equal("first", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public async Task Encrypted_keys_round_trip_and_the_ca_key_unlocks_with_its_passphrase()
    {
        using var dir = new TempDirectory();
        Environment.SetEnvironmentVariable("SMQTT_TEST_CA_PASS", "correct horse");
        await File.WriteAllTextAsync(dir["device.pass"], "device secret\n");
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path, "--passphrase-env", "SMQTT_TEST_CA_PASS");
        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "device-9",
            "--ca-passphrase-env", "SMQTT_TEST_CA_PASS", "--passphrase-file", dir["device.pass"]);

        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", await File.ReadAllTextAsync(dir["ca.key"]));
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", await File.ReadAllTextAsync(dir["device-9.key"]));
        using var ca = CertificateAuthority.Load(dir["ca.crt"], dir["ca.key"], "correct horse");
        Assert.True(ca.Certificate.HasPrivateKey);
        using var deviceKey = PemReader.ReadPrivateKey(dir["device-9.key"], "device secret");
        using var device = PemReader.ReadCertificate(dir["device-9.crt"]);
        Assert.Equal(device.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo(), ((ECDsa)deviceKey).ExportSubjectPublicKeyInfo());

        // openssl reads what we wrote: the encryption is standard PKCS#8 (PBES2, AES-256-CBC).
        var openssl = await OpenSsl.RunAsync("pkey", "-in", dir["device-9.key"], "-passin", "pass:device secret", "-noout");
        Assert.True(openssl.ExitCode == 0, openssl.ToString());
    }

    [Fact]
    public async Task A_wrong_ca_passphrase_is_one_clear_error_and_writes_nothing()
    {
        using var dir = new TempDirectory();
        Environment.SetEnvironmentVariable("SMQTT_TEST_RIGHT", "right");
        Environment.SetEnvironmentVariable("SMQTT_TEST_WRONG", "wrong");
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path, "--passphrase-env", "SMQTT_TEST_RIGHT");

        var result = await Smqtt.RunAsync("certs", "server", "--dir", dir.Path, "--ca-passphrase-env", "SMQTT_TEST_WRONG");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("passphrase is wrong", result.StandardError);
        Assert.Single(result.StandardError.TrimEnd().Split('\n'));
        Assert.False(File.Exists(dir["server.key"]));
        Assert.False(File.Exists(dir["server.crt"]));
        Assert.Throws<PkiException>(() => CertificateAuthority.Load(dir["ca.crt"], dir["ca.key"], "wrong"));
    }

    [Fact]
    public async Task A_plain_passphrase_argument_works_but_warns()
    {
        using var dir = new TempDirectory();

        var result = await Smqtt.RunAsync("certs", "ca", "--dir", dir.Path, "--passphrase", "visible");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("warning", result.StandardError);
        Assert.Contains("--passphrase-env", result.StandardError);
        using var ca = CertificateAuthority.Load(dir["ca.crt"], dir["ca.key"], "visible");
    }

    [Fact]
    public async Task Pkcs12_export_holds_the_key_and_the_ca_certificate()
    {
        using var dir = new TempDirectory();
        Environment.SetEnvironmentVariable("SMQTT_TEST_P12_2", "p12 pass");
        await Smqtt.SucceedAsync("certs", "ca", "--dir", dir.Path);
        await Smqtt.SucceedAsync("certs", "client", "--dir", dir.Path, "--name", "device-3", "--p12", "--passphrase-env", "SMQTT_TEST_P12_2");

        var collection = X509CertificateLoader.LoadPkcs12CollectionFromFile(dir["device-3.p12"], "p12 pass");

        Assert.Equal(2, collection.Count);
        Assert.Contains(collection, c => c.Subject == "CN=device-3" && c.HasPrivateKey);
        Assert.Contains(collection, c => c.Subject == "CN=SecureMqtt CA" && !c.HasPrivateKey);
        var openssl = await OpenSsl.RunAsync("pkcs12", "-in", dir["device-3.p12"], "-passin", "pass:p12 pass", "-noout");
        Assert.True(openssl.ExitCode == 0, openssl.ToString());
    }
}
