using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using SecureMqtt.Tls.OpenSsl;
using SecureMqtt.Transport;

namespace SecureMqtt.Tls;

/// <summary>
/// TLS-PSK over an inner transport with <see cref="PskTlsStream"/> (system OpenSSL 3). Its failures become the same
/// <see cref="MqttTlsException"/> certificate TLS throws, so nothing above the transport knows which TLS is in use.
/// </summary>
/// <remarks><paramref name="sessions"/>: the client's PSK sessions, offered again so that a reconnect resumes.</remarks>
internal sealed class PskTransport(IMqttTransport inner, MqttTlsOptions options, MqttPreSharedKey key, string host, int port, ILogger logger,
    PskSessionCache? sessions = null) : IMqttTransport
{
    public async ValueTask<ConnectedTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        var targetHost = options.TargetHost ?? host;
        if (!PskTlsStream.IsSupported)
        {
            throw new MqttTlsException(MqttTlsFailureKind.PlatformNotSupported,
                "TLS-PSK needs OpenSSL 3 (libssl.so.3), which this platform does not have (it is available on Linux). Use certificate TLS here: set MqttTlsOptions.CaFile instead of PreSharedKey.");
        }

        var pskOptions = new PskTlsClientOptions
        {
            Identity = key.Identity,
            Key = key.Key,
            MinimumVersion = options.EnabledProtocolsOverride ?? options.MinimumVersion,
            MaximumVersion = options.EnabledProtocolsOverride ?? SslProtocols.None,
            ServerName = targetHost,
            HandshakeTimeout = options.HandshakeTimeout ?? Timeout.InfiniteTimeSpan,
            SessionCache = sessions,
        };

        var tcp = await inner.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var handshakeStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        PskTlsStream tls;
        try
        {
            tls = await PskTlsStream.ConnectAsync(tcp.Stream, pskOptions, cancellationToken).ConfigureAwait(false);
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

        Log.PskEstablished(logger, targetHost, tls.NegotiatedProtocol, tls.CipherSuite, key.Identity, tls.SessionResumed);
        var info = MqttTlsInfo.ForPreSharedKey(tls.NegotiatedProtocol, tls.CipherSuite, targetHost, key.Identity);
        RecordHandshake(handshakeStarted, info.Protocol, null);
        return new ConnectedTransport(tls) { Security = new TlsSecurity(info) };
    }

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
