using System.CommandLine;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Certs;

/// <summary>
/// How a new key is written: plain PKCS#8 PEM (0600), or encrypted with a passphrase, plus an optional PKCS#12
/// bundle. A passphrase, once obtained, protects everything secret the command writes.
/// </summary>
internal sealed class KeyOutputOptions
{
    public Option<bool> Encrypt { get; } = new("--encrypt-key") { Description = "Encrypt the private key file with a passphrase (prompted unless --passphrase-env or --passphrase-file is given)" };

    public Option<bool> Pkcs12 { get; } = new("--p12") { Description = "Also write a passphrase-protected PKCS#12 (.p12) file with certificate, key and CA certificate" };

    public Passphrases Passphrase { get; } = Passphrases.ForNewKey();

    public void AddTo(Command command, bool withPkcs12)
    {
        command.Add(Encrypt);
        if (withPkcs12)
        {
            command.Add(Pkcs12);
        }

        Passphrase.AddTo(command);
    }

    public bool WantsPkcs12(ParseResult parseResult) => parseResult.GetResult(Pkcs12) is not null && parseResult.GetValue(Pkcs12);

    /// <summary>The passphrase if the user asked for encryption or PKCS#12 or gave one; otherwise null.</summary>
    public string? ResolvePassphrase(ParseResult parseResult, TextWriter error, string purpose) =>
        parseResult.GetValue(Encrypt) || WantsPkcs12(parseResult) || Passphrase.IsGiven(parseResult)
            ? Passphrase.Resolve(parseResult, error, purpose, confirm: true)
            : null;

    /// <summary>Writes certificate, key and optional .p12 together, all or nothing, and tells the user what they got.</summary>
    public static void WriteIssued(IssuedCertificate issued, string directory, string baseName, string? passphrase, bool pkcs12, bool force, TextWriter output)
    {
        var certificatePath = Path.Combine(directory, baseName + ".crt");
        var keyPath = Path.Combine(directory, baseName + ".key");
        var files = new List<OutputFile>
        {
            OutputFile.Text(certificatePath, issued.CertificatePem),
            OutputFile.Text(keyPath, passphrase is null ? issued.PrivateKeyPem : issued.ExportEncryptedPrivateKeyPem(passphrase), isSecret: true),
        };
        if (pkcs12)
        {
            files.Add(new OutputFile(Path.Combine(directory, baseName + ".p12"), issued.ExportPkcs12(passphrase!), IsSecret: true));
        }

        PemFiles.WriteAll(files, force);
        output.WriteLine($"Wrote {CertsOptions.Display(certificatePath)} (certificate, public)");
        output.WriteLine($"Wrote {CertsOptions.Display(keyPath)} (private key{(passphrase is null ? string.Empty : ", encrypted")}, mode 0600: keep it secret)");
        if (pkcs12)
        {
            output.WriteLine($"Wrote {CertsOptions.Display(files[2].Path)} (PKCS#12 with key, certificate and CA; mode 0600)");
        }
    }
}
