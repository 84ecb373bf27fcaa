using System.CommandLine;
using System.Text;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Certs;

/// <summary><c>smqtt certs mosquitto-conf</c>: a Mosquitto listener block for the files the other commands made.</summary>
internal static class MosquittoConfCommand
{
    public static Command Create()
    {
        var directory = CertsOptions.Directory();
        var port = new Option<int>("--port", "-p") { Description = "Listener port; 8883 is the registered MQTT-over-TLS port", DefaultValueFactory = _ => 8883 };
        var bind = new Option<string?>("--bind") { Description = "Address to listen on (default: all)" };
        var caCert = CertsOptions.CaCertificate();
        var cert = new Option<FileInfo?>("--cert") { Description = "Broker certificate (default: server.crt in --dir)" };
        var key = new Option<FileInfo?>("--key") { Description = "Broker private key (default: server.key in --dir)" };
        var crl = new Option<FileInfo?>("--crl") { Description = $"CRL (default: {CertsOptions.CrlFile} in --dir, used when it exists)" };
        var requireCertificate = new Option<bool>("--require-certificate") { Description = "Demand a client certificate signed by the CA: mutual TLS", DefaultValueFactory = _ => true };
        var identity = new Option<bool>("--identity-as-username") { Description = "Use the client certificate's CN as the MQTT user name, for ACLs", DefaultValueFactory = _ => true };
        var tlsVersion = new Option<string>("--tls-version") { Description = "Lowest TLS version accepted", DefaultValueFactory = _ => "tlsv1.2" };
        tlsVersion.AcceptOnlyFromAmong("tlsv1.2", "tlsv1.3");
        var acl = new Option<FileInfo?>("--acl-file") { Description = "ACL file restricting topics per user (device name)" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the block to this file instead of printing it" };
        var force = CertsOptions.Force();
        var command = new Command("mosquitto-conf", "Print a Mosquitto listener block (port, cafile, certfile, keyfile, require_certificate, ...) for the files in --dir")
        {
            directory, port, bind, caCert, cert, key, crl, requireCertificate, identity, tlsVersion, acl, output, force,
        };

        CommandRunner.SetAction(command, (parseResult, stdout, _) =>
        {
            var caPath = Existing(CertsOptions.PathIn(parseResult, directory, caCert, CertsOptions.CaCertificateFile), "smqtt certs ca");
            var certPath = Existing(CertsOptions.PathIn(parseResult, directory, cert, "server.crt"), "smqtt certs server");
            var keyPath = Existing(CertsOptions.PathIn(parseResult, directory, key, "server.key"), "smqtt certs server");
            var crlPath = CertsOptions.PathIn(parseResult, directory, crl, CertsOptions.CrlFile);
            if (parseResult.GetValue(crl) is not null && !File.Exists(crlPath))
            {
                throw new CliException($"{CertsOptions.Display(crlPath)} not found: run 'smqtt certs revoke' to create it, or leave out --crl.");
            }

            if (PemReader.IsEncryptedPrivateKey(keyPath))
            {
                throw new CliException($"{CertsOptions.Display(keyPath)} is encrypted, and Mosquitto cannot start unattended with it: issue the server key without a passphrase (it is protected by mode 0600).");
            }

            var aclPath = parseResult.GetValue(acl)?.FullName;
            if (aclPath is not null)
            {
                Existing(aclPath, "an ACL file");
            }

            var text = new StringBuilder()
                .AppendLine("# MQTT over TLS listener, written by 'smqtt certs mosquitto-conf'.")
                .AppendLine("# Mosquitto started as root switches to the user 'mosquitto' before reading these files:")
                .AppendLine("# that user must be able to read the key (e.g. chown mosquitto server.key).")
                .AppendLine($"listener {parseResult.GetValue(port)}{(parseResult.GetValue(bind) is { } address ? " " + address : string.Empty)}")
                .AppendLine($"cafile {caPath}")
                .AppendLine($"certfile {certPath}")
                .AppendLine($"keyfile {keyPath}")
                .AppendLine($"tls_version {parseResult.GetRequiredValue(tlsVersion)}")
                .AppendLine($"require_certificate {Flag(parseResult.GetValue(requireCertificate))}")
                .AppendLine($"use_identity_as_username {Flag(parseResult.GetValue(identity))}");
            if (File.Exists(crlPath))
            {
                text.AppendLine($"crlfile {crlPath}");
            }

            if (aclPath is not null)
            {
                text.AppendLine($"acl_file {aclPath}");
            }

            if (!parseResult.GetValue(requireCertificate) || !parseResult.GetValue(identity))
            {
                text.AppendLine("# Clients on this listener have no user name from a certificate: give them a password_file, or allow them in:")
                    .AppendLine("# allow_anonymous true");
            }

            if (parseResult.GetValue(output) is { } file)
            {
                PemFiles.Write(OutputFile.Text(file.FullName, text.ToString()), parseResult.GetValue(force));
                stdout.WriteLine($"Wrote {CertsOptions.Display(file.FullName)}; start the broker with: mosquitto -c {file.FullName}");
            }
            else
            {
                stdout.Write(text.ToString());
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string Flag(bool value) => value ? "true" : "false";

    private static string Existing(string path, string madeBy) =>
        File.Exists(path) ? path : throw new CliException($"{CertsOptions.Display(path)} not found: create it with {madeBy} first, or pass its path.");
}
