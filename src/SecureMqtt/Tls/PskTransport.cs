using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using SecureMqtt.Tls.Managed;
using SecureMqtt.Tls.OpenSsl;
using SecureMqtt.Transport;

namespace SecureMqtt.Tls;

/// <summary>
/// TLS-PSK over an inner transport with <see cref="PskTlsStream"/> (system OpenSSL 3) or, where that is missing or
/// <see cref="MqttTlsOptions.PskImplementation"/> asks for it, <see cref="ManagedPskTlsStream"/>. Its failures become the same
/// <see cref="MqttTlsException"/> certificate TLS throws, so nothing above the transport knows which TLS is in use.
/// </summary>
/// <remarks><paramref name="sessions"/>: the client's PSK sessions, offered again so that a reconnect resumes.</remarks>
internal sealed class PskTransport(IMqttTransport inner, MqttTlsOptions options, MqttPreSharedKey key, string host, int port, ILogger logger,
    PskSessionCache? sessions = null) : IMqttTransport
{
    public async ValueTask<ConnectedTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        var targetHost = options.TargetHost ?? host;
        var managed = Resolve(options.PskImplementation, PskTlsStream.IsSupported) == MqttPskImplementation.Managed;

        var pskOptions = new PskTlsClientOptions
        {
            Identity = key.Identity,
            Key = key.Key,
            MinimumVersion = options.EnabledProtocolsOverride ?? options.MinimumVersion,
            MaximumVersion = options.EnabledProtocolsOverride ?? SslProtocols.None,
            ServerName = targetHost,
            HandshakeTimeout = options.HandshakeTimeout ?? Timeout.InfiniteTimeSpan,
            // The managed path keeps no sessions: every handshake is a full one; so does AllowSessionResumption = false.
            SessionCache = managed || !options.AllowSessionResumption ? null : sessions,
        };

        var tcp = await inner.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var handshakeStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        Stream tls;
        string protocol, cipherSuite;
        var resumed = false;
        try
        {
            if (managed)
            {
                var stream = await ManagedPskTlsStream.ConnectAsync(tcp.Stream, pskOptions, cancellationToken).ConfigureAwait(false);
                (tls, protocol, cipherSuite) = (stream, stream.NegotiatedProtocol, stream.CipherSuite);
            }
            else
            {
                var stream = await PskTlsStream.ConnectAsync(tcp.Stream, pskOptions, cancellationToken).ConfigureAwait(false);
                (tls, protocol, cipherSuite, resumed) = (stream, stream.NegotiatedProtocol, stream.CipherSuite, stream.SessionResumed);
            }
        }
        catch (PskTlsException ex)
        {
            await tcp.Stream.DisposeAsync().ConfigureAwait(false);
            var failure = Map(ex, targetHost);
            Log.TlsFailed(logger, targetHost, failure.Kind, failure.Message);
            RecordHandshake(handshakeStarted, null, failure);
            throw failure;
        }
        catch
        {
            await tcp.Stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Log.PskEstablished(logger, targetHost, protocol, cipherSuite, key.Identity, resumed);
        var info = MqttTlsInfo.ForPreSharedKey(protocol, cipherSuite, targetHost, key.Identity, managed ? MqttPskImplementation.Managed : MqttPskImplementation.OpenSsl);
        RecordHandshake(handshakeStarted, info.Protocol, null);
        return new ConnectedTransport(tls) { Security = new TlsSecurity(info) };
    }

    /// <summary>Which implementation a connect uses: Auto takes OpenSSL where it loads; OpenSsl without it cannot connect.</summary>
    internal static MqttPskImplementation Resolve(MqttPskImplementation requested, bool openSslAvailable) => requested switch
    {
        MqttPskImplementation.Managed => MqttPskImplementation.Managed,
        MqttPskImplementation.OpenSsl when openSslAvailable => MqttPskImplementation.OpenSsl,
        MqttPskImplementation.OpenSsl => throw new MqttTlsException(MqttTlsFailureKind.PlatformNotSupported,
            "PskImplementation is OpenSsl, but TLS-PSK over OpenSSL needs OpenSSL 3 (libssl.so.3), which this platform does not have. Use PskImplementation Auto or Managed here, which run TLS-PSK in managed code."),
        _ => openSslAvailable ? MqttPskImplementation.OpenSsl : MqttPskImplementation.Managed,
    };

    private void RecordHandshake(long started, SslProtocols? protocol, Exception? error)
    {
        if (MqttMetrics.TlsHandshakeDuration.Enabled)
        {
            MqttMetrics.RecordTlsHandshake(System.Diagnostics.Stopwatch.GetElapsedTime(started), host, port, protocol, error);
        }
    }

    private MqttTlsException Map(PskTlsException error, string targetHost)
    {
        var kind = error.Kind switch
        {
            PskTlsFailure.UnsupportedPlatform => MqttTlsFailureKind.PlatformNotSupported,
            PskTlsFailure.UnknownIdentity => MqttTlsFailureKind.PskIdentityUnknown,
            PskTlsFailure.KeyMismatch => MqttTlsFailureKind.PskKeyMismatch,
            PskTlsFailure.ProtocolVersionMismatch => MqttTlsFailureKind.ProtocolVersionMismatch,
            PskTlsFailure.NoSharedCipher => MqttTlsFailureKind.NoCommonCipherSuite,
            PskTlsFailure.PskNotUsed => MqttTlsFailureKind.NoCommonCipherSuite,
            PskTlsFailure.NotTls => MqttTlsFailureKind.NotTls,
            PskTlsFailure.ConnectionClosed => MqttTlsFailureKind.ConnectionClosedDuringHandshake,
            PskTlsFailure.Timeout => MqttTlsFailureKind.Timeout,
            _ => MqttTlsFailureKind.HandshakeFailed,
        };

        // PskTlsException messages name the identity at most, never the key.
        return new MqttTlsException(kind, $"TLS-PSK with '{targetHost}' port {port} failed: {error.Message}", error);
    }
}
