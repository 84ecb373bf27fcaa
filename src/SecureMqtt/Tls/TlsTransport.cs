using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using SecureMqtt.Transport;

namespace SecureMqtt.Tls;

/// <summary>TLS over an inner transport with SslStream: platform TLS only, verification on unless explicitly waived.</summary>
internal sealed class TlsTransport(IMqttTransport inner, MqttTlsOptions options, string host, int port, ILogger logger, TimeProvider timeProvider) : IMqttTransport
{
    public async ValueTask<MqttTransportConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var targetHost = options.TargetHost ?? host;

        // Load files before opening the socket: a wrong path should not cost a connection.
        var caCertificates = options.CaFile is null ? null : MqttCertificateLoader.LoadCaFile(options.CaFile);
        var clientCertificate = MqttCertificateLoader.LoadClientCertificate(options);

        var state = new TlsHandshakeState(options, targetHost, logger, timeProvider);
        var tcp = await inner.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var ssl = new SslStream(new FirstByteObservingStream(tcp.Stream, state), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(BuildAuthenticationOptions(targetHost, caCertificates, clientCertificate, state), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            var failure = state.Classify(ex, port);
            Log.TlsFailed(logger, targetHost, failure.Kind, failure.Message);
            throw failure;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        state.NegotiatedProtocol = ssl.SslProtocol;
        var serverCertificate = new X509Certificate2(ssl.RemoteCertificate!);
        var alpn = ssl.NegotiatedApplicationProtocol.Protocol.IsEmpty ? null : ssl.NegotiatedApplicationProtocol.ToString();
        var info = new MqttTlsInfo(ssl.SslProtocol, ssl.NegotiatedCipherSuite, serverCertificate, alpn, targetHost, state.Verified);
        Log.TlsEstablished(logger, info.Protocol, info.CipherSuite, serverCertificate.Subject, serverCertificate.Issuer);
        return new MqttTransportConnection(ssl) { TlsInfo = info, ExplainEarlyFailure = state.ExplainEarlyFailure };
    }

    private SslClientAuthenticationOptions BuildAuthenticationOptions(string targetHost, X509Certificate2Collection? caCertificates,
        SslStreamCertificateContext? clientCertificate, TlsHandshakeState state)
    {
        var policy = new X509ChainPolicy
        {
            RevocationMode = options.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
        };
        if (caCertificates is not null)
        {
            // Trust exactly the CA file, not the OS store as well: a private broker is vouched for by its own CA.
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(caCertificates);
        }

        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = options.EnabledProtocolsOverride ?? (options.MinimumVersion == SslProtocols.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13),
            CertificateChainPolicy = policy,
            RemoteCertificateValidationCallback = state.ValidateServerCertificate,
            ClientCertificateContext = clientCertificate,
        };
        if (clientCertificate is null)
        {
            authentication.LocalCertificateSelectionCallback = state.SelectClientCertificate;
        }

        if (options.ApplicationProtocols.Count > 0)
        {
            authentication.ApplicationProtocols = [.. options.ApplicationProtocols.Select(p => new SslApplicationProtocol(p))];
        }

        return authentication;
    }
}
