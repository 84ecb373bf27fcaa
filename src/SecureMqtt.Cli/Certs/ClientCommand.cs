using System.CommandLine;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Certs;

/// <summary><c>smqtt certs client</c>: a device's key and certificate, with the device name as CN.</summary>
internal static class ClientCommand
{
    public static Command Create()
    {
        var directory = CertsOptions.Directory();
        var name = new Option<string>("--name", "-n")
        {
            Description = "Device name; becomes the certificate's CN and, with Mosquitto's use_identity_as_username, the MQTT user name",
            Required = true,
        };
        var output = new Option<string?>("--out", "-o") { Description = "Base name of the files written (default: the device name)", HelpName = "name" };
        var keyType = CertsOptions.KeyType();
        var days = CertsOptions.Days(CertificateOptions.DefaultValidityDays);
        var force = CertsOptions.Force();
        var ca = new CaSource(directory);
        var keyOutput = new KeyOutputOptions();
        var command = new Command("client", "Create a device's private key and certificate, signed by the CA")
        {
            directory, name, output, keyType, days, force,
        };
        ca.AddTo(command);
        keyOutput.AddTo(command, withPkcs12: true);

        CommandRunner.SetAction(command, (parseResult, stdout, error) =>
        {
            var deviceName = CertsOptions.ValidateName(parseResult.GetRequiredValue(name).Trim(), "device name");
            var baseName = CertsOptions.ValidateName(parseResult.GetValue(output) ?? deviceName, "--out");
            var dir = parseResult.GetRequiredValue(directory).FullName;
            ServerCommand.RefuseExisting(dir, baseName, keyOutput.WantsPkcs12(parseResult), parseResult.GetValue(force));
            using var authority = ca.Open(parseResult, error);
            var passphrase = keyOutput.ResolvePassphrase(parseResult, error, "Encrypting the device key");
            var options = new CertificateOptions
            {
                Algorithm = CertsOptions.ParseKeyType(parseResult.GetRequiredValue(keyType)),
                ValidityDays = parseResult.GetValue(days),
            };
            using var issued = authority.IssueClientCertificate(deviceName, options);
            KeyOutputOptions.WriteIssued(issued, dir, baseName, passphrase, keyOutput.WantsPkcs12(parseResult), parseResult.GetValue(force), stdout);
            stdout.WriteLine($"Device '{deviceName}' (serial {issued.Certificate.SerialNumber}); copy {baseName}.crt, {baseName}.key and {CertsOptions.CaCertificateFile} to the device.");
            return ExitCodes.Success;
        });
        return command;
    }
}
