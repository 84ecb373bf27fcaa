using System.Globalization;
using System.Net.Sockets;

namespace SecureMqtt.Transport.Proxies;

/// <summary>
/// Opens a TCP connection to a proxy and a tunnel through it to the broker, returning a stream on which TLS and MQTT
/// run as on a direct connection. Everything that fails here is a <see cref="MqttProxyException"/>, so a broken proxy
/// is never mistaken for a TLS or broker failure.
/// </summary>
internal static class ProxyConnector
{
    /// <summary>Connects to <paramref name="proxy"/> and tunnels to <paramref name="targetHost"/>:<paramref name="targetPort"/>.</summary>
    /// <param name="proxy">The proxy; validated here.</param>
    /// <param name="targetHost">The broker's host name or address (resolved by the proxy).</param>
    /// <param name="targetPort">The broker's port.</param>
    /// <param name="cancellationToken">Cancels connecting; the proxy's own <see cref="MqttProxyOptions.HandshakeTimeout"/> applies as well.</param>
    /// <returns>The tunnel; the caller owns and disposes it.</returns>
    /// <exception cref="ArgumentException">The proxy options or the target are invalid.</exception>
    /// <exception cref="MqttProxyException">The proxy is unreachable, refused, rejected the credentials, broke its protocol or timed out.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async ValueTask<Stream> ConnectAsync(MqttProxyOptions proxy, string targetHost, int targetPort, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proxy);
        proxy.Validate();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(proxy.HandshakeTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            try
            {
                await socket.ConnectAsync(proxy.Host, proxy.Port, timeout.Token).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new MqttProxyException(MqttProxyFailureKind.Unreachable, $"Could not connect to the proxy {proxy}: {ex.Message}.", (int)ex.SocketErrorCode, ex);
            }

            stream = QuickAckNetworkStream.Create(socket);
            var establish = proxy.Kind == MqttProxyKind.Http
                ? HttpConnectTunnel.EstablishAsync(stream, targetHost, targetPort, proxy.Credentials, timeout.Token)
                : Socks5Tunnel.EstablishAsync(stream, targetHost, targetPort, proxy.Credentials, timeout.Token);
            await establish.ConfigureAwait(false);
            return stream;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeAsync(socket, stream).ConfigureAwait(false);
            throw new MqttProxyException(
                MqttProxyFailureKind.Timeout,
                $"The proxy {proxy} did not open a tunnel to {targetHost}:{targetPort.ToString(CultureInfo.InvariantCulture)} within {proxy.HandshakeTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (MqttProxyOptions.HandshakeTimeout).",
                inner: ex);
        }
        catch
        {
            await DisposeAsync(socket, stream).ConfigureAwait(false);
            throw;
        }
    }

    private static async ValueTask DisposeAsync(Socket socket, Stream? stream)
    {
        if (stream is not null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }

        socket.Dispose();
    }
}
