using System.CommandLine;
using System.Net;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Certs;

/// <summary><c>smqtt certs server</c>: the broker's key and certificate, signed by the CA.</summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var directory = CertsOptions.Directory();
        var dns = new Option<string[]>("--dns") { Description = "DNS name clients use to reach the broker (repeatable)", HelpName = "name" };
        var ip = new Option<string[]>("--ip") { Description = "IP address clients use to reach the broker (repeatable)", HelpName = "address" };
        var commonName = new Option<string?>("--cn") { Description = "Subject common name (default: the first --dns or --ip)", HelpName = "name" };
        var output = new Option<string>("--out", "-o") { Description = "Base name of the files written: server gives server.crt and server.key", HelpName = "name", DefaultValueFactory = _ => "server" };
        var keyType = CertsOptions.KeyType();
        var days = CertsOptions.Days(CertificateOptions.DefaultValidityDays);
        var force = CertsOptions.Force();
        var ca = new CaSource(directory);
        var keyOutput = new KeyOutputOptions();
        var command = new Command("server", "Create the broker's private key and certificate, signed by the CA (default: for localhost, 127.0.0.1 and ::1)")
        {
            directory, dns, ip, commonName, output, keyType, days, force,
        };
        ca.AddTo(command);
        keyOutput.AddTo(command, withPkcs12: true);

        CommandRunner.SetAction(command, (parseResult, stdout, error) =>
        {
            var dnsNames = (parseResult.GetValue(dns) ?? []).Select(Validate(HostNames.NormalizeDnsName, "--dns")).ToList();
            var addresses = (parseResult.GetValue(ip) ?? []).Select(Validate(HostNames.ParseIpAddress, "--ip")).ToList();
            var localOnly = dnsNames.Count + addresses.Count == 0;
            if (localOnly)
            {
                dnsNames.Add("localhost");
                addresses.AddRange([IPAddress.Loopback, IPAddress.IPv6Loopback]);
            }

            var baseName = CertsOptions.ValidateName(parseResult.GetRequiredValue(output), "--out");
            var dir = parseResult.GetRequiredValue(directory).FullName;
            RefuseExisting(dir, baseName, keyOutput.WantsPkcs12(parseResult), parseResult.GetValue(force));
            using var authority = ca.Open(parseResult, error);
            var passphrase = keyOutput.ResolvePassphrase(parseResult, error, "Encrypting the server key");
            var options = new CertificateOptions
            {
                Algorithm = CertsOptions.ParseKeyType(parseResult.GetRequiredValue(keyType)),
                ValidityDays = parseResult.GetValue(days),
            };
            using var issued = authority.IssueServerCertificate(parseResult.GetValue(commonName), dnsNames, addresses, options);
            KeyOutputOptions.WriteIssued(issued, dir, baseName, passphrase, keyOutput.WantsPkcs12(parseResult), parseResult.GetValue(force), stdout);
            stdout.WriteLine($"Names: {string.Join(", ", CertificateDetails.From(issued.Certificate).SubjectAlternativeNames)}");
            if (localOnly)
            {
                stdout.WriteLine("No --dns or --ip given, so these are this machine's own names: devices elsewhere need a certificate with the broker's real name or address.");
            }

            if (passphrase is not null)
            {
                stdout.WriteLine("Note: Mosquitto cannot read an encrypted key without a person typing the passphrase at start-up.");
            }

            stdout.WriteLine("Next: smqtt certs client --name <device name>, then smqtt certs mosquitto-conf");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Existing outputs are refused before the CA passphrase is asked and keys are made.</summary>
    public static void RefuseExisting(string directory, string baseName, bool pkcs12, bool force)
    {
        if (force)
        {
            return;
        }

        var extensions = pkcs12 ? new[] { ".crt", ".key", ".p12" } : [".crt", ".key"];
        foreach (var path in extensions.Select(e => Path.Combine(directory, baseName + e)).Where(File.Exists))
        {
            throw new CliException($"{CertsOptions.Display(path)} already exists: keep it, choose another --out or --dir, or pass --force to replace it.");
        }
    }

    private static Func<string, T> Validate<T>(Func<string, T> parse, string option) => value =>
    {
        try
        {
            return parse(value);
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"{option}: {ex.Message.Split(" (Parameter", 2)[0]}", ex);
        }
    };
}
