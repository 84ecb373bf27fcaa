using SecureMqtt.Transport.Proxies;

namespace SecureMqtt.Transport;

/// <summary>
/// TCP to a proxy and a tunnel through it (HTTP CONNECT or SOCKS5) to the broker's host and port. It yields the same
/// kind of byte stream as <see cref="TcpTransport"/>, so TLS and PSK layer over it unchanged and verify the broker's
/// name, not the proxy's: the proxy only relays bytes it cannot read. Every failure before the tunnel is open is a
/// <see cref="MqttProxyException"/>, raised here before any TLS byte is sent, so it can never pass for a TLS error.
/// </summary>
internal sealed class ProxiedTcpTransport(MqttProxyOptions proxy, string host, int port) : IMqttTransport
{
    public async ValueTask<ConnectedTransport> ConnectAsync(CancellationToken cancellationToken)
    {
        var tunnel = await ProxyConnector.ConnectAsync(proxy, host, port, cancellationToken).ConfigureAwait(false);
        return new ConnectedTransport(tunnel);
    }
}
