using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Certs;

/// <summary><c>smqtt certs ca</c>: a new CA key and self-signed CA certificate.</summary>
internal static class CaCommand
{
    public static Command Create()
    {
        var directory = CertsOptions.Directory();
        var name = new Option<string>("--name", "-n") { Description = "The CA's common name", DefaultValueFactory = _ => "SecureMqtt CA" };
        var subject = new Option<string?>("--subject") { Description = "Full subject instead of --name, e.g. \"CN=Example MQTT CA, O=Example\"" };
        var keyType = CertsOptions.KeyType();
        var days = CertsOptions.Days(CertificateAuthority.DefaultValidityDays);
        var force = CertsOptions.Force();
        var keyOutput = new KeyOutputOptions();
        var command = new Command("ca", $"Create a certificate authority: {CertsOptions.CaKeyFile} (private key) and {CertsOptions.CaCertificateFile} (certificate)")
        {
            directory, name, subject, keyType, days, force,
        };
        keyOutput.AddTo(command, withPkcs12: false);

        CommandRunner.SetAction(command, (parseResult, output, error) =>
        {
            var dir = parseResult.GetRequiredValue(directory).FullName;
            var certificatePath = Path.Combine(dir, CertsOptions.CaCertificateFile);
            var keyPath = Path.Combine(dir, CertsOptions.CaKeyFile);
            var overwrite = parseResult.GetValue(force);
            if (!overwrite)
            {
                // Checked before the (slow) key generation and the passphrase prompt, not only at write time.
                foreach (var path in new[] { certificatePath, keyPath }.Where(File.Exists))
                {
                    throw new CliException($"{CertsOptions.Display(path)} already exists, so there is a CA in {dir} already: use it, choose another --dir, or pass --force to replace it (certificates it issued will stop working).");
                }
            }

            var passphrase = keyOutput.ResolvePassphrase(parseResult, error, "Encrypting the CA key");
            var algorithm = CertsOptions.ParseKeyType(parseResult.GetRequiredValue(keyType));
            var validity = parseResult.GetValue(days);
            using var ca = parseResult.GetValue(subject) is { } dn
                ? CertificateAuthority.Create(ParseSubject(dn), algorithm, validity)
                : CertificateAuthority.Create(parseResult.GetRequiredValue(name), algorithm, validity);
            PemFiles.WriteAll(
                [
                    OutputFile.Text(certificatePath, ca.CertificatePem),
                    OutputFile.Text(keyPath, passphrase is null ? ca.PrivateKeyPem : ca.ExportEncryptedPrivateKeyPem(passphrase), isSecret: true),
                ],
                overwrite);
            output.WriteLine($"Wrote {CertsOptions.Display(certificatePath)} (CA certificate: give it to the broker and every device)");
            output.WriteLine($"Wrote {CertsOptions.Display(keyPath)} (CA private key{(passphrase is null ? string.Empty : ", encrypted")}, mode 0600: keep it secret, ideally offline)");
            output.WriteLine($"Subject {ca.Certificate.Subject}, valid until {ca.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}.");
            output.WriteLine("Next: smqtt certs server --dns <broker host name> --ip <broker address>");
            return ExitCodes.Success;
        });
        return command;
    }

    private static X500DistinguishedName ParseSubject(string subject)
    {
        try
        {
            var name = new X500DistinguishedName(subject);
            if (name.RawData.Length <= 2)
            {
                throw new CliException($"--subject '{subject}' is empty: give at least CN=<name>.");
            }

            return name;
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new CliException($"--subject '{subject}' is not a distinguished name: write it like \"CN=My CA, O=Example\".", ex);
        }
    }
}
