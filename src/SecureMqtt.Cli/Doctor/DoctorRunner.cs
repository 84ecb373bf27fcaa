using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SecureMqtt.Cli.Common;
using SecureMqtt.Packets;
using SecureMqtt.Pki;

namespace SecureMqtt.Cli.Doctor;

/// <summary>
/// Walks one connection the way the handshake goes and marks each step: a TCP connection of its own first (so an
/// unreachable port is told apart from TLS), then one real client connection whose outcome (or the precise
/// <see cref="MqttTlsException"/> kind) says which step failed; the steps before it passed, those after it were not reached.
/// </summary>
internal sealed class DoctorRunner(DoctorArguments arguments, MqttClientOptions options)
{
    private readonly List<DoctorStep> _steps = DoctorSteps.Create(EndpointOf(options).UseWebSocket, options.Proxy is not null);

    private DoctorStep this[string id] => _steps.First(s => s.Id == id);

    private MqttEndpoint Endpoint => EndpointOf(options);

    private string Host => Endpoint.Host;

    private string TargetHost => options.Tls?.TargetHost ?? Host;

    private int Port => Endpoint.Port;

    /// <summary>The one endpoint doctor checks: the first of Servers (a ws or wss URL is given that way), else Host and Port.</summary>
    public static MqttEndpoint EndpointOf(MqttClientOptions options) =>
        options.Servers.Count > 0 ? options.Servers[0] : new MqttEndpoint(options.Host, options.Port, options.Tls is not null);

    public async Task<IReadOnlyList<DoctorStep>> RunAsync(CancellationToken cancellationToken)
    {
        if (!await ConnectTcpAsync(cancellationToken).ConfigureAwait(false))
        {
            return _steps;
        }

        var tls = options.Tls;
        if (tls is null)
        {
            foreach (var step in _steps.Where(s => s.Id is not (DoctorSteps.Tcp or DoctorSteps.WebSocket or DoctorSteps.Mqtt)))
            {
                step.Status = StepStatus.Skipped;
                step.Details.Add("plain TCP: no TLS option given, so nothing is encrypted or authenticated");
            }
        }

        var client = new MqttClient(options);
        await using (client.ConfigureAwait(false))
        {
            try
            {
                var result = await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                if (tls is not null)
                {
                    DescribeTls(tls, client.TlsInfo, failedStep: null);
                }

                PassProxy();
                PassWebSocket();
                this[DoctorSteps.Mqtt].Ok($"CONNACK {((byte)result.ReasonCode == 0 ? "Success" : result.ReasonCode.ToString())} (0x{(byte)result.ReasonCode:X2}), MQTT {Version(options.ProtocolVersion)}, client id '{result.ClientId}', session present: {(result.SessionPresent ? "yes" : "no")}");
                await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (MqttProxyException ex)
            {
                this[DoctorSteps.Proxy].Fail(ex.Message, ProxyFix(ex.Kind), ex.Kind.ToString());
            }
            catch (MqttTlsException ex)
            {
                // TLS runs inside the tunnel: a TLS answer means the proxy opened it.
                PassProxy();
                var failing = DoctorFixes.StepOf(ex.Kind);
                DescribeTls(tls!, null, failing, ex.ServerCertificateChain);
                this[failing].Fail(ex.Message, DoctorFixes.Fix(ex.Kind), ex.Kind.ToString());
            }
            catch (MqttConnectionRefusedException ex)
            {
                PassProxy();
                if (tls is not null)
                {
                    DescribeTls(tls, null, failedStep: null);
                }

                PassWebSocket();
                this[DoctorSteps.Mqtt].Fail($"The broker refused CONNECT: {ex.Message}",
                    "Check the user name and password (-u/-P), the client id and the broker's ACL/authentication settings.", ex.ReasonCode.ToString());
            }
            catch (MqttWebSocketException ex)
            {
                PassProxy();
                if (tls is not null)
                {
                    DescribeTls(tls, null, failedStep: null);
                }

                this[DoctorSteps.WebSocket].Fail(ex.Message, WebSocketFix(ex.Kind), ex.Kind.ToString());
            }
            catch (ArgumentException ex)
            {
                this[tls is null ? DoctorSteps.Mqtt : DoctorSteps.Config].Fail(ex.Message, "Change the options so they no longer contradict each other.", "InvalidOptions");
            }
            catch (MqttException ex)
            {
                PassProxy();
                if (tls is not null)
                {
                    DescribeTls(tls, null, failedStep: null);
                }

                if (ex is not MqttTimeoutException)
                {
                    // A timeout may have struck during the upgrade itself; anything else came from MQTT, after it.
                    PassWebSocket();
                }

                this[DoctorSteps.Mqtt].Fail(ex.Message, "The port may not be an MQTT listener, or the broker dropped the connection: read the broker's log.", ex.GetType().Name);
            }
        }

        return _steps;
    }

    private async Task<bool> ConnectTcpAsync(CancellationToken cancellationToken)
    {
        var step = this[DoctorSteps.Tcp];
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(arguments.Timeout);
        var watch = Stopwatch.StartNew();

        // Through a proxy the first hop is the proxy itself; the broker is reached (or not) by the tunnel step.
        var (host, port, what) = options.Proxy is { } proxy ? (proxy.Host, proxy.Port, "the proxy's") : (Host, Port, "the broker's");
        try
        {
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            step.Ok($"connected to {host}:{port} ({socket.RemoteEndPoint}) in {watch.ElapsedMilliseconds} ms");
            return true;
        }
        catch (SocketException ex)
        {
            step.Fail($"{host}:{port}: {ex.Message}", options.Proxy is null
                ? "Check the host name and port, that the broker runs and listens there (mosquitto.conf 'listener'), and firewalls."
                : $"Check {what} host and port in --proxy, that the proxy runs, and firewalls.", ex.SocketErrorCode.ToString());
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            step.Fail($"No answer from {host}:{port} within {arguments.Timeout.TotalSeconds:0.#}s.", "Check the address, routing and firewalls (packets are silently dropped).", "Timeout");
            return false;
        }
    }

    /// <summary>Anything the broker's side answered came through the tunnel, so the proxy opened it.</summary>
    private void PassProxy()
    {
        if (options.Proxy is { } proxy)
        {
            this[DoctorSteps.Proxy].Ok($"{proxy} opened a tunnel to {Host}:{Port}{(proxy.Credentials is null ? string.Empty : $" (authenticated as '{proxy.Credentials.UserName}')")}");
        }
    }

    private static string ProxyFix(MqttProxyFailureKind kind) => kind switch
    {
        MqttProxyFailureKind.Unreachable => "Check the proxy's host and port in --proxy and that the proxy runs.",
        MqttProxyFailureKind.Refused => "The proxy would not connect to the broker: check the broker's host and port, and the proxy's rules for which targets and ports it allows (tinyproxy ConnectPort, Dante socks pass).",
        MqttProxyFailureKind.AuthenticationFailed => "Give the proxy's user name and password in the URL (socks5h://user:password@host:port or http://user:password@host:port) and check them.",
        MqttProxyFailureKind.Timeout => "The proxy did not answer in time: check that the port is the proxy's and not blocked.",
        _ => "The port did not answer as the proxy kind in the URL: check the scheme (socks5h://, socks5:// or http://) and the port.",
    };

    /// <summary>An MQTT answer (CONNACK, or a refusal or drop after the upgrade) means the upgrade itself went through.</summary>
    private void PassWebSocket()
    {
        if (Endpoint.UseWebSocket)
        {
            this[DoctorSteps.WebSocket].Ok($"GET {Endpoint.WebSocketPath}: 101 Switching Protocols, subprotocol mqtt, binary frames");
        }
    }

    private static string WebSocketFix(MqttWebSocketFailureKind kind) => kind switch
    {
        MqttWebSocketFailureKind.UpgradeRefused => "Check the WebSocket path (--ws-path; brokers commonly use /mqtt or /ws) and any credentials a gateway wants (--ws-header).",
        MqttWebSocketFailureKind.SubprotocolNotSelected => "Make the server (or the reverse proxy in front of it) accept the WebSocket subprotocol 'mqtt'.",
        MqttWebSocketFailureKind.ConnectionClosed => "Check that the port is the broker's WebSocket listener, not its MQTT one, and for wss that it speaks TLS.",
        _ => "The port does not speak WebSocket as RFC 6455 says: check the port and the scheme (ws/wss for WebSocket listeners, mqtt/mqtts for MQTT ones).",
    };

    /// <summary>Fills the TLS steps up to <paramref name="failedStep"/> (all when null) as passed, the later ones stay not reached.</summary>
    private void DescribeTls(MqttTlsOptions tls, MqttTlsInfo? info, string? failedStep, IReadOnlyList<X509Certificate2>? chain = null)
    {
        chain = info?.ServerCertificateChain ?? chain ?? [];
        foreach (var step in _steps.SkipWhile(s => s.Id != DoctorSteps.Config).TakeWhile(s => s.Id is not (DoctorSteps.WebSocket or DoctorSteps.Mqtt)))
        {
            if (step.Id == failedStep)
            {
                AddContext(step, tls, chain);
                return;
            }

            Pass(step, tls, info, chain, failedStep);
        }
    }

    private void AddContext(DoctorStep step, MqttTlsOptions tls, IReadOnlyList<X509Certificate2> chain)
    {
        switch (step.Id)
        {
            case DoctorSteps.Hello:
                step.Details.AddRange(Offered(tls));
                break;
            case DoctorSteps.Verify or DoctorSteps.Chain when chain.Count > 0:
                step.Details.Add($"trust source: {TrustSource(tls)}");
                break;
        }
    }

    private void Pass(DoctorStep step, MqttTlsOptions tls, MqttTlsInfo? info, IReadOnlyList<X509Certificate2> chain, string? failedStep)
    {
        var psk = tls.PreSharedKey is not null;
        switch (step.Id)
        {
            case DoctorSteps.Config:
                step.Ok(Configuration(tls).ToArray());
                break;
            case DoctorSteps.Hello:
                step.Ok([.. Offered(tls), psk ? "the broker answered with TLS-PSK" : "the broker answered with a TLS server hello"]);
                break;
            case DoctorSteps.Chain when psk:
            case DoctorSteps.Verify when psk:
            case DoctorSteps.Hostname when psk:
            case DoctorSteps.ClientCertificate when psk:
                step.Status = StepStatus.Skipped;
                step.Details.Add("TLS-PSK: no certificates; the pre-shared key authenticates both sides");
                break;
            case DoctorSteps.Chain:
                step.Ok(chain.Count == 0 ? ["received (details unavailable: the connection did not complete)"] : [.. chain.Select((c, i) => Summary(i, c))]);
                break;
            case DoctorSteps.Verify:
                step.Ok(Verification(tls, info).ToArray());
                break;
            case DoctorSteps.Hostname:
                step.Ok(tls.PinOnly ? $"not checked: PinOnly trusts the pinned key, whatever names the certificate carries"
                    : chain.Count == 0 ? $"'{TargetHost}' matches the certificate"
                    : $"'{TargetHost}' is among the certificate's names ({string.Join(", ", CertificateDetails.From(chain[0]).SubjectAlternativeNames)})");
                break;
            case DoctorSteps.Negotiated when failedStep == DoctorSteps.ClientCertificate:
                step.Status = StepStatus.Skipped;
                step.Details.Add("not available: the handshake did not end with a client certificate the broker accepts");
                break;
            case DoctorSteps.Negotiated:
                step.Ok(Negotiated(info).ToArray());
                break;
            case DoctorSteps.ClientCertificate:
                if (tls.ClientCertificateFile is null && tls.Pkcs12File is null)
                {
                    step.Ok("none configured, and the broker did not ask for one");
                }
                else
                {
                    step.Ok($"sent {Path.GetFileName(tls.ClientCertificateFile ?? tls.Pkcs12File)} and the broker accepted it");
                }

                break;
        }
    }

    private IEnumerable<string> Configuration(MqttTlsOptions tls)
    {
        if (tls.PreSharedKey is { } psk)
        {
            yield return $"TLS-PSK with identity '{psk.Identity}' ({psk.Key.Length}-byte key)";
            yield break;
        }

        yield return $"trust source: {TrustSource(tls)}";
        if (tls.ClientCertificateFile is not null || tls.Pkcs12File is not null)
        {
            yield return $"client certificate: {tls.ClientCertificateFile ?? tls.Pkcs12File}{(tls.ClientKeyFile is null ? string.Empty : $", key {tls.ClientKeyFile}")}";
        }

        if (tls.CrlFile is not null)
        {
            yield return $"CRL file: {tls.CrlFile}";
        }

        foreach (var pin in tls.PinnedPublicKeys)
        {
            yield return $"pinned key: {pin}";
        }
    }

    private IEnumerable<string> Offered(MqttTlsOptions tls)
    {
        yield return !IPAddress.TryParse(TargetHost, out _) ? $"SNI: {TargetHost}"
            : tls.PreSharedKey is null ? $"SNI: none ('{TargetHost}' is an IP address, so the certificate must name that address)"
            : $"SNI: none ('{TargetHost}' is an IP address)";
        yield return $"ALPN offered: {(tls.ApplicationProtocols.Count == 0 ? "none" : string.Join(", ", tls.ApplicationProtocols))}";
        yield return $"versions offered: {(tls.MinimumVersion == SslProtocols.Tls13 ? "TLS 1.3" : "TLS 1.2, TLS 1.3")}";
    }

    private static IEnumerable<string> Verification(MqttTlsOptions tls, MqttTlsInfo? info)
    {
        yield return tls.PinOnly ? "trusted by its pinned public key (PinOnly: no CA involved)" : $"the chain verifies against {TrustSource(tls)}";
        if (info?.MatchedPin is { } pin)
        {
            yield return $"pinned key matched: {pin}";
        }

        if (tls.CrlFile is not null)
        {
            yield return $"not revoked according to {tls.CrlFile}";
        }

        yield return tls.AllowWeakServerCertificates ? "weak-crypto policy: overridden (--allow-weak)" : "no weak signature or key (SHA-1/MD5, RSA < 2048, EC < 224)";
    }

    private static IEnumerable<string> Negotiated(MqttTlsInfo? info)
    {
        if (info is null)
        {
            yield return "handshake completed (details unavailable: the MQTT connection did not complete)";
            yield break;
        }

        var suite = info.CipherSuiteName;
        yield return $"version: {(info.Protocol == SslProtocols.Tls13 ? "TLS 1.3" : info.Protocol == SslProtocols.Tls12 ? "TLS 1.2" : info.Protocol.ToString())}";
        yield return $"cipher suite: {suite}";
        if (info.PreSharedKeyIdentity is not null)
        {
            // TLS 1.3 PSK as OpenSSL offers it (psk_dhe_ke) always adds an ephemeral exchange; TLS 1.2 only in the (EC)DHE_PSK suites.
            yield return "key exchange: pre-shared key" + (info.Protocol == SslProtocols.Tls13 || suite.Contains("DHE_PSK", StringComparison.Ordinal)
                ? " with (EC)DHE (forward secret)" : " only (not forward secret)");
            yield return "TLS-PSK implementation: " + (info.PskImplementation == MqttPskImplementation.Managed ? "managed (BouncyCastle)" : "system OpenSSL 3");
            yield break;
        }

        yield return $"key exchange: {KeyExchange(info.Protocol, suite)}";
        yield return $"ALPN: {info.ApplicationProtocol ?? "none agreed"}";
    }

    private static string KeyExchange(SslProtocols protocol, string suite)
    {
        if (protocol == SslProtocols.Tls13)
        {
            return "ECDHE (TLS 1.3 always uses an ephemeral exchange; .NET does not expose the group)";
        }

        var with = suite.IndexOf("_WITH_", StringComparison.Ordinal);
        return with > 4 ? suite[4..with].Replace('_', ' ') : "unknown";
    }

    private static string TrustSource(MqttTlsOptions tls) => tls.PinOnly ? "the pinned keys only (PinOnly)"
        : tls.CaFile is not null ? $"the CA file {tls.CaFile}"
        : tls.CaCertificates is { } cas ? $"the {cas.Count} CA certificate(s) of --capath"
        : "the operating system's trust store";

    private static string Summary(int index, X509Certificate2 certificate)
    {
        var d = CertificateDetails.From(certificate);
        var now = DateTimeOffset.UtcNow;
        var validity = string.Create(CultureInfo.InvariantCulture, $"valid {d.NotBefore:yyyy-MM-dd} to {d.NotAfter:yyyy-MM-dd} ({d.DaysLeft(now)} days left)");
        var names = d.SubjectAlternativeNames.Count == 0 ? string.Empty : "; " + string.Join(", ", d.SubjectAlternativeNames);
        var usage = d.ExtendedKeyUsages.Count == 0 ? string.Empty : "; EKU " + string.Join(", ", d.ExtendedKeyUsages);
        var issuer = d.IsSelfIssued ? "self-signed" : $"issued by {d.Issuer}";
        return $"[{index}] {d.Subject}: {issuer}; {validity}; {d.KeyType}; signed {certificate.SignatureAlgorithm.FriendlyName}{names}{usage}; pin {d.SpkiPin}";
    }

    private static string Version(MqttProtocolVersion version) => version == MqttProtocolVersion.V500 ? "5.0" : "3.1.1";
}
