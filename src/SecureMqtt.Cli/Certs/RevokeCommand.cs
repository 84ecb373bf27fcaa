using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Certs;

/// <summary>
/// <c>smqtt certs revoke</c>: adds certificates to the CA's revocation record (ca.revoked) and re-issues the CRL
/// (crl.pem) from the whole record, so revocations accumulate.
/// </summary>
internal static class RevokeCommand
{
    public static Command Create()
    {
        var directory = CertsOptions.Directory();
        var certificates = new Argument<FileInfo[]>("certificates") { Description = "Certificate file(s) to revoke", Arity = ArgumentArity.ZeroOrMore };
        var serials = new Option<string[]>("--serial") { Description = "Serial number (hex, as 'certs inspect' prints it) to revoke, when the certificate file is gone (repeatable)", HelpName = "hex" };
        var reason = new Option<X509RevocationReason?>("--reason") { Description = "Revocation reason, e.g. KeyCompromise, Superseded, CessationOfOperation", HelpName = "reason" };
        var crl = new Option<FileInfo?>("--crl") { Description = $"CRL file to write (default: {CertsOptions.CrlFile} in --dir)" };
        var crlDays = new Option<int>("--crl-days")
        {
            Description = "Days until the CRL must be re-issued; after that Mosquitto refuses every client until you run revoke again",
            DefaultValueFactory = _ => CertificateAuthority.DefaultCrlValidityDays,
        };
        var ca = new CaSource(directory);
        var command = new Command("revoke", "Revoke device or server certificates and write the CRL that Mosquitto's crlfile reads (no arguments: just re-issue the CRL)")
        {
            directory, certificates, serials, reason, crl, crlDays,
        };
        ca.AddTo(command);

        CommandRunner.SetAction(command, (parseResult, output, error) =>
        {
            using var authority = ca.Open(parseResult, error);
            var logPath = Path.ChangeExtension(ca.CertificatePath(parseResult), ".revoked");
            var crlPath = CertsOptions.PathIn(parseResult, directory, crl, CertsOptions.CrlFile);
            var log = RevocationLog.Load(logPath);
            var now = DateTimeOffset.UtcNow;
            var why = parseResult.GetValue(reason);

            foreach (var file in parseResult.GetValue(certificates) ?? [])
            {
                using var certificate = PemReader.ReadCertificate(file.FullName);
                EnsureIssuedBy(certificate, authority.Certificate, file.FullName);
                Report(log.Add(new RevokedCertificate(certificate.SerialNumber, now, why), certificate.Subject), certificate.Subject, certificate.SerialNumber, output);
            }

            foreach (var serial in parseResult.GetValue(serials) ?? [])
            {
                var normalized = RevocationLog.NormalizeSerial(serial);
                Report(log.Add(new RevokedCertificate(normalized, now, why), "(by serial)"), "the certificate", normalized, output);
            }

            var crlPem = log.IssueCrlPem(authority, parseResult.GetValue(crlDays));

            // The record is written last: if the CRL cannot be written, the next run still starts from the old record.
            PemFiles.Write(OutputFile.Text(crlPath, crlPem), overwrite: true);
            PemFiles.Write(OutputFile.Text(logPath, log.ToString()), overwrite: true);
            output.WriteLine($"Wrote {CertsOptions.Display(crlPath)} (CRL number {log.CrlNumber}, {log.Entries.Count} revoked, valid {parseResult.GetValue(crlDays)} days)");
            output.WriteLine($"Make Mosquitto read it: 'crlfile {crlPath}' in the listener, then reload (kill -HUP <pid> or systemctl reload mosquitto).");
            return ExitCodes.Success;
        });
        return command;
    }

    private static void Report(bool added, string subject, string serial, TextWriter output) =>
        output.WriteLine(added ? $"Revoked {subject} (serial {serial})" : $"Already revoked: {subject} (serial {serial})");

    private static void EnsureIssuedBy(X509Certificate2 certificate, X509Certificate2 ca, string path)
    {
        // Two CAs may share a name (every 'certs ca' defaults to the same one); the key identifiers tell them apart.
        var sameName = certificate.IssuerName.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData);
        var authorityKey = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier;
        var caKey = ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes;
        var sameKey = authorityKey is null || caKey is null || authorityKey.Value.Span.SequenceEqual(caKey.Value.Span);
        if (!sameName || !sameKey)
        {
            throw new CliException($"{CertsOptions.Display(path)} was issued by '{certificate.Issuer}', not by this CA ('{ca.Subject}'): revoke it with the CA that issued it (--dir or --ca-cert/--ca-key).");
        }
    }
}
