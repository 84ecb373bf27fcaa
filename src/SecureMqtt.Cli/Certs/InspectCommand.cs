using System.CommandLine;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Certs;

/// <summary><c>smqtt certs inspect</c>: what a certificate file or a TLS server's certificate says, and whether it verifies.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo?>("file") { Description = "Certificate file (PEM or DER; every certificate of a PEM chain is shown)", Arity = ArgumentArity.ZeroOrOne };
        var host = new Option<string?>("--host") { Description = "Fetch the certificate from this TLS server instead of a file", HelpName = "name" };
        var port = new Option<int>("--port", "-p") { Description = "TLS port of --host", DefaultValueFactory = _ => 8883 };
        var caFile = new Option<FileInfo?>("--cafile") { Description = "Verify the chain against the CA certificate(s) in this file and explain any failure", HelpName = "file" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for --host", DefaultValueFactory = _ => 10 };
        var command = new Command("inspect", "Show subject, issuer, names, validity, key, usages, fingerprint and SPKI pin; with --cafile, verify the chain")
        {
            file, host, port, caFile, timeout,
        };

        CommandRunner.SetAction(command, async (parseResult, output, _, cancellationToken) =>
        {
            var path = parseResult.GetValue(file);
            var hostName = parseResult.GetValue(host);
            if ((path is null) == (hostName is null))
            {
                throw new CliException("Give either a certificate FILE or --host (with --port), not both and not neither.");
            }

            if (path is not null)
            {
                return Report(PemReader.ReadCertificates(path.FullName), CertsOptions.Display(path.FullName), null, parseResult.GetValue(caFile), null, output);
            }

            var seconds = TimeSpan.FromSeconds(parseResult.GetValue(timeout));
            var (presented, handshake) = await FetchAsync(hostName!, parseResult.GetValue(port), seconds, cancellationToken).ConfigureAwait(false);
            return Report(presented, $"{hostName}:{parseResult.GetValue(port)}", handshake, parseResult.GetValue(caFile), hostName, output);
        });
        return command;
    }

    private static int Report(X509Certificate2[] certificates, string source, string? handshake, FileInfo? caFile, string? hostName, TextWriter output)
    {
        try
        {
            if (handshake is not null)
            {
                output.WriteLine(handshake);
            }

            for (var i = 0; i < certificates.Length; i++)
            {
                output.WriteLine($"Certificate {i + 1} of {certificates.Length} from {source}");
                Print(CertificateDetails.From(certificates[i]), output);
                output.WriteLine();
            }

            if (caFile is null)
            {
                return ExitCodes.Success;
            }

            var roots = PemReader.ReadCertificates(caFile.FullName);
            var purpose = hostName is null ? CertificatePurpose.Any : CertificatePurpose.Server;
            var result = ChainVerifier.Verify(certificates[0], roots, certificates.Skip(1), purpose, hostName);
            if (result.IsValid)
            {
                output.WriteLine($"Chain: OK, verifies against {CertsOptions.Display(caFile.FullName)}{(hostName is null ? string.Empty : $" and names {hostName}")}.");
                return ExitCodes.Success;
            }

            output.WriteLine($"Chain: FAILED against {CertsOptions.Display(caFile.FullName)}:");
            foreach (var problem in result.Problems)
            {
                output.WriteLine($"  - {problem}");
            }

            return ExitCodes.Failure;
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    private static void Print(CertificateDetails details, TextWriter output)
    {
        var now = DateTimeOffset.UtcNow;
        var days = details.DaysLeft(now);
        var state = details.NotBefore > now ? "NOT YET VALID" : days < 0 ? $"EXPIRED {Math.Floor((now - details.NotAfter).TotalDays)} days ago" : $"{days} days left";
        output.WriteLine($"  Subject:             {details.Subject}");
        output.WriteLine($"  Issuer:              {details.Issuer}{(details.IsSelfIssued ? " (self-signed)" : string.Empty)}");
        output.WriteLine($"  Serial:              {details.SerialNumber}");
        output.WriteLine($"  Names (SAN):         {Join(details.SubjectAlternativeNames)}");
        output.WriteLine($"  Valid:               {details.NotBefore:yyyy-MM-dd HH:mm} to {details.NotAfter:yyyy-MM-dd HH:mm} UTC ({state})");
        output.WriteLine($"  Key:                 {details.KeyType}");
        output.WriteLine($"  CA:                  {(details.IsCertificateAuthority ? "yes" : "no")}");
        output.WriteLine($"  Key usage:           {Join(details.KeyUsages)}");
        output.WriteLine($"  Extended key usage:  {Join(details.ExtendedKeyUsages)}");
        output.WriteLine($"  SHA-256 fingerprint: {details.Sha256Fingerprint}");
        output.WriteLine($"  SPKI pin:            {details.SpkiPin}");
    }

    private static string Join(IReadOnlyList<string> items) => items.Count == 0 ? "(none)" : string.Join(", ", items);

    /// <summary>The certificates a TLS server presents, leaf first; the handshake accepts anything because judging is done afterwards.</summary>
    private static async Task<(X509Certificate2[] Certificates, string Handshake)> FetchAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var presented = new List<X509Certificate2>();
        string handshake;
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new CliException($"Cannot connect to {host}:{port} ({ex.Message}): check the host name, the port and that the broker is running.", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"No answer from {host}:{port} within {timeout.TotalSeconds} s: check the host, port and firewall.", ex);
        }

        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await using (ssl.ConfigureAwait(false))
        {
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = host,
#pragma warning disable CA5359 // Inspection must see certificates that fail validation in order to explain why; nothing is sent over this connection.
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    if (certificate is not null)
                    {
                        presented.Add(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                        presented.AddRange(chain?.ChainPolicy.ExtraStore.Select(c => X509CertificateLoader.LoadCertificate(c.RawData)) ?? []);
                    }

                    return true;
                },
#pragma warning restore CA5359
            };
            try
            {
                await ssl.AuthenticateAsClientAsync(options, deadline.Token).ConfigureAwait(false);
                handshake = $"TLS: {ssl.SslProtocol}, cipher suite {ssl.NegotiatedCipherSuite}";
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException or OperationCanceledException && presented.Count > 0)
            {
                // A broker that demands a client certificate ends the handshake after sending its own; that is still enough to inspect.
                handshake = $"TLS: handshake not completed after the server's certificate ({ex.Message.TrimEnd('.')}); the server may require a client certificate.";
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
            {
                throw new CliException($"TLS handshake with {host}:{port} failed before the server sent a certificate ({ex.Message.TrimEnd('.')}): is this a TLS port?", ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"{host}:{port} accepted the connection but did not complete a TLS handshake within {timeout.TotalSeconds} s: is this a TLS port?", ex);
            }
        }

        return ([.. presented.DistinctBy(c => c.Thumbprint)], handshake);
    }
}
