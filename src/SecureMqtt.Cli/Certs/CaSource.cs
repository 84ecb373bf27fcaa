using System.CommandLine;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Certs;

/// <summary>Finds and opens the CA for commands that sign: by default ca.crt and ca.key in --dir, as <c>certs ca</c> wrote them.</summary>
internal sealed class CaSource
{
    public CaSource(Option<DirectoryInfo> directory)
    {
        Directory = directory;
    }

    public Option<DirectoryInfo> Directory { get; }

    public Option<FileInfo?> Certificate { get; } = CertsOptions.CaCertificate();

    public Option<FileInfo?> Key { get; } = CertsOptions.CaKey();

    public Passphrases Passphrase { get; } = Passphrases.ForCaKey();

    public void AddTo(Command command)
    {
        command.Add(Certificate);
        command.Add(Key);
        Passphrase.AddTo(command);
    }

    public string CertificatePath(ParseResult parseResult) => CertsOptions.PathIn(parseResult, Directory, Certificate, CertsOptions.CaCertificateFile);

    public CertificateAuthority Open(ParseResult parseResult, TextWriter error)
    {
        var certificatePath = CertificatePath(parseResult);
        var keyPath = CertsOptions.PathIn(parseResult, Directory, Key, CertsOptions.CaKeyFile);
        foreach (var path in new[] { certificatePath, keyPath }.Where(p => !File.Exists(p)))
        {
            throw new CliException($"{CertsOptions.Display(path)} not found: run 'smqtt certs ca' in {Path.GetDirectoryName(path)} first, or point --dir / --ca-cert / --ca-key at your CA.");
        }

        var passphrase = PemReader.IsEncryptedPrivateKey(keyPath)
            ? Passphrase.Resolve(parseResult, error, $"{CertsOptions.Display(keyPath)} is encrypted and", confirm: false)
            : null;
        return CertificateAuthority.Load(certificatePath, keyPath, passphrase);
    }
}
