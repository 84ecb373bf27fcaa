using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using SecureMqtt.Transport;

namespace SecureMqtt.Tls;

/// <summary>
/// TLS over an inner transport with SslStream: platform TLS only, verification on unless explicitly waived.
/// <paramref name="resumable"/>: a handshake with this server succeeded before without it asking for a client
/// certificate we do not have, so no certificate-selection callback is installed. .NET on Linux resumes a TLS
/// session (TLS 1.2 session id, TLS 1.3 ticket) only when it knows the client certificate up front, and the callback
/// is there only to tell "the broker wants a client certificate" apart from other failures on a first connection.
/// </summary>
internal sealed class TlsTransport(IMqttTransport inner, MqttTlsOptions options, string host, int port, ILogger logger, TimeProvider timeProvider,
    bool resumable = false) : IMqttTransport
{
    // Timed from the connected socket: the TCP connect (or proxy tunnel) belongs to mqtt.client.connect.duration.
    private long _handshakeStarted;

    public async ValueTask<ConnectedTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        var targetHost = options.TargetHost ?? host;

        // Load files before opening the socket: a wrong path should not cost a connection. Kept between connects
        // while the files are unchanged (TlsMaterial).
        var caCertificates = TlsMaterial.LoadCa(options);
        var crls = TlsMaterial.LoadCrl(options);
        var clientCertificate = TlsMaterial.LoadClientCertificate(options);

        var verifier = new ServerCertificateVerifier(options, targetHost, crls, logger, timeProvider);
        var state = new TlsHandshakeState(options, targetHost, verifier, logger);
        var tcp = await inner.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var ssl = new SslStream(new FirstByteObservingStream(tcp.Stream, state), leaveInnerStreamOpen: false);
        using var handshakeTimeout = HandshakeTimeouts.Start(options.HandshakeTimeout, timeProvider, cancellationToken);
        _handshakeStarted = timeProvider.GetTimestamp();
        try
        {
            await ssl.AuthenticateAsClientAsync(BuildAuthenticationOptions(targetHost, caCertificates, clientCertificate, state), handshakeTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or AuthenticationException or IOException && handshakeTimeout.TimedOut(cancellationToken))
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw Failed(HandshakeTimeouts.Timeout(targetHost, port, options.HandshakeTimeout!.Value, state.FirstServerByte != -1, ex), targetHost);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException && cancellationToken.IsCancellationRequested)
        {
            // A cancelled socket read can surface from SslStream as an I/O error rather than a cancellation. The
            // cancellation (the caller's, or the connect timeout behind it) is the cause: say so, not "broker closed".
            await ssl.DisposeAsync().ConfigureAwait(false);
            var cancelled = new OperationCanceledException("The TLS handshake was cancelled.", ex, cancellationToken);
            RecordHandshake(null, cancelled);
            throw cancelled;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            var failure = state.Classify(ex, port);
            if (failure.Kind == MqttTlsFailureKind.ConnectionClosedDuringHandshake && state.FirstServerByte == -1
                && await PlainMqttProbe.AnswersPlainMqttAsync(inner, cancellationToken).ConfigureAwait(false))
            {
                failure = state.NotTls(port, ex, "it closed the connection on our TLS ClientHello, and answered a plain MQTT CONNECT with CONNACK");
            }

            throw Failed(failure, targetHost);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        state.NegotiatedProtocol = ssl.SslProtocol;
        var alpn = ssl.NegotiatedApplicationProtocol.Protocol.IsEmpty ? null : ssl.NegotiatedApplicationProtocol.ToString();
        var info = new MqttTlsInfo(ssl.SslProtocol, ssl.NegotiatedCipherSuite, state.ServerChainDer, alpn, targetHost, state.Verified)
        {
            MatchedPin = state.MatchedPin,
            ClientCertificateSent = clientCertificate is not null,
        };
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.TlsEstablished(logger, info.Protocol, info.CipherSuite, ssl.RemoteCertificate!.Subject, ssl.RemoteCertificate.Issuer);
        }

        RecordHandshake(ssl.SslProtocol, null);
        return new ConnectedTransport(ssl) { Security = new TlsSecurity(info, state.ExplainEarlyFailure) };
    }

    private MqttTlsException Failed(MqttTlsException failure, string targetHost)
    {
        Log.TlsFailed(logger, targetHost, failure.Kind, failure.Message);
        RecordHandshake(null, failure);
        return failure;
    }

    private void RecordHandshake(SslProtocols? protocol, Exception? error)
    {
        if (MqttMetrics.TlsHandshakeDuration.Enabled)
        {
            MqttMetrics.RecordTlsHandshake(timeProvider.GetElapsedTime(_handshakeStarted), host, port, protocol, error);
        }
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
            // Trust exactly the CA (file or objects), not the OS store as well: a private broker is vouched for by its own CA.
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(caCertificates);
        }
        else if (options.PinOnly)
        {
            // Pin-only trusts no CA at all; the chain is still built so dates and usages can be read from it.
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        }

        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = options.EnabledProtocolsOverride ?? (options.MinimumVersion == SslProtocols.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13),
            CertificateChainPolicy = policy,
            RemoteCertificateValidationCallback = state.ValidateServerCertificate,
            ClientCertificateContext = clientCertificate,
            AllowTlsResume = options.AllowSessionResumption,
        };
        if (clientCertificate is null && !resumable)
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
