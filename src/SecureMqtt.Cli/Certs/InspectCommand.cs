using System.CommandLine;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Cli.Common;
using SecureMqtt.Pki;
using Spectre.Console;
using Spectre.Console.Rendering;

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
        var style = ConsoleStyle.ForOutput(output).Unwrapped();
        try
        {
            var parts = new List<IRenderable>();
            if (handshake is not null)
            {
                parts.Add(new Text(handshake + "\n"));
            }

            for (var i = 0; i < certificates.Length; i++)
            {
                parts.Add(new Text($"Certificate {i + 1} of {certificates.Length} from {source}\n", style.Bold));
                parts.Add(Fields(CertificateDetails.From(certificates[i]), style));
                parts.Add(Text.NewLine);
            }

            // The certificates first, so an unreadable CA file still leaves them on screen above the error.
            output.Write(style.Render([.. parts]));
            if (caFile is null)
            {
                return ExitCodes.Success;
            }

            var roots = PemReader.ReadCertificates(caFile.FullName);
            var purpose = hostName is null ? CertificatePurpose.Any : CertificatePurpose.Server;
            var result = ChainVerifier.Verify(certificates[0], roots, certificates.Skip(1), purpose, hostName);
            output.Write(style.Render(Chain(result, CertsOptions.Display(caFile.FullName), hostName, style)));
            return result.IsValid ? ExitCodes.Success : ExitCodes.Failure;
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>
    /// A two-column grid, labels then values, indented by two: redirected it reads as the aligned 'Label: value' lines
    /// it always was (grep 'SPKI pin:' keeps working); on a terminal long values wrap inside their column.
    /// </summary>
    private static Grid Fields(CertificateDetails details, ConsoleStyle style)
    {
        var now = DateTimeOffset.UtcNow;
        var days = details.DaysLeft(now);
        var (state, stateColour) = details.NotBefore > now ? ("NOT YET VALID", Color.Red)
            : days < 0 ? ($"EXPIRED {Math.Floor((now - details.NotAfter).TotalDays)} days ago", Color.Red)
            : ($"{days} days left", days < 30 ? Color.Yellow : Color.Green);
        var grid = new Grid()
            .AddColumn(new GridColumn().NoWrap().Padding(2, 0, 1, 0))
            .AddColumn(new GridColumn().Padding(0, 0, 0, 0));
        void Row(string label, IRenderable value) => grid.AddRow(new Text(label + ":", style.Bold), value);
        void Line(string label, string value) => Row(label, new Text(value));

        Line("Subject", details.Subject);
        Line("Issuer", $"{details.Issuer}{(details.IsSelfIssued ? " (self-signed)" : string.Empty)}");
        Line("Serial", details.SerialNumber);
        Line("Names (SAN)", Join(details.SubjectAlternativeNames));
        Row("Valid", new Paragraph()
            .Append($"{details.NotBefore:yyyy-MM-dd HH:mm} to {details.NotAfter:yyyy-MM-dd HH:mm} UTC (")
            .Append(state, style.Paint(stateColour))
            .Append(")"));
        Line("Key", details.KeyType);
        Line("CA", details.IsCertificateAuthority ? "yes" : "no");
        Line("Key usage", Join(details.KeyUsages));
        Line("Extended key usage", Join(details.ExtendedKeyUsages));
        Line("SHA-256 fingerprint", details.Sha256Fingerprint);
        Line("SPKI pin", details.SpkiPin);
        return grid;
    }

    private static IRenderable Chain(ChainVerificationResult result, string caFile, string? hostName, ConsoleStyle style)
    {
        if (result.IsValid)
        {
            return new Paragraph()
                .Append("Chain: ")
                .Append("OK", style.Paint(Color.Green, Decoration.Bold))
                .Append($", verifies against {caFile}{(hostName is null ? string.Empty : $" and names {hostName}")}.\n");
        }

        var failed = new Paragraph()
            .Append("Chain: ")
            .Append("FAILED", style.Paint(Color.Red, Decoration.Bold))
            .Append($" against {caFile}:\n");
        foreach (var problem in result.Problems)
        {
            failed.Append($"  - {problem}\n", style.Paint(Color.Red));
        }

        return failed;
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
