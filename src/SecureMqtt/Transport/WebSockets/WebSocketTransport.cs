using System.Globalization;
using System.Net.WebSockets;

namespace SecureMqtt.Transport.WebSockets;

/// <summary>
/// MQTT over WebSocket (RFC 6455, MQTT section 6) on top of an inner transport: TCP or a proxy tunnel for ws, the
/// project's TLS layer over those for wss. The upgrade request is written here, on the inner stream, so every TLS
/// option (verification, pinning, CRLs, client certificates, diagnostics) applies to wss exactly as to mqtts; the
/// runtime's WebSocket then does the framing over the same stream. <paramref name="onUpgrade"/> runs once the layers
/// below are up, so a timeout after it is the upgrade's and not, say, the TLS handshake's.
/// </summary>
internal sealed class WebSocketTransport(IMqttTransport inner, MqttEndpoint endpoint, MqttWebSocketOptions options, Action? onUpgrade = null) : IMqttTransport
{
    /// <summary>The WebSocket subprotocol MQTT uses [MQTT-6.0.0-3].</summary>
    public const string SubProtocol = "mqtt";

    public async ValueTask<ConnectedTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        var connected = await inner.ConnectAsync(cancellationToken).ConfigureAwait(false);
        onUpgrade?.Invoke();
        try
        {
            try
            {
                await WebSocketHandshake.UpgradeAsync(connected.Stream, HostHeader(), endpoint.WebSocketPath!, options.RequestHeaders,
                    $"{endpoint.Host}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
            }
            catch (MqttWebSocketException ex) when (ex.Kind == MqttWebSocketFailureKind.ConnectionClosed && connected.Security?.ExplainEarlyFailure(ex.InnerException) is { } tls)
            {
                // Under TLS 1.3 a broker refuses a client certificate only after the client's handshake ended, so
                // the refusal arrives as the first read: the upgrade answer. It is a TLS failure, not a WebSocket one.
                throw tls;
            }

            var socket = WebSocket.CreateFromStream(connected.Stream, new WebSocketCreationOptions
            {
                IsServer = false,
                SubProtocol = SubProtocol,
                // MQTT's own keep-alive decides when the broker is gone; WebSocket pings on top would only add traffic.
                KeepAliveInterval = TimeSpan.Zero,
            });
            return new ConnectedTransport(new WebSocketByteStream(socket, connected.Stream)) { Security = connected.Security };
        }
        catch
        {
            await connected.Stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // RFC 6455 section 4.1: host, and the port when it is not the scheme's default; an IPv6 literal in brackets.
    private string HostHeader()
    {
        var host = endpoint.Host.Contains(':', StringComparison.Ordinal) ? $"[{endpoint.Host}]" : endpoint.Host;
        var defaultPort = endpoint.UseTls ? 443 : 80;
        return endpoint.Port == defaultPort ? host : $"{host}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
    }
}
