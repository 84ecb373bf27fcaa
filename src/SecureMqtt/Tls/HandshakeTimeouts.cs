namespace SecureMqtt.Tls;

/// <summary>The optional TLS handshake timeout, on the client's TimeProvider, linked to the caller's token.</summary>
internal sealed class HandshakeTimeouts : IDisposable
{
    private readonly CancellationTokenSource? _timeout;
    private readonly CancellationTokenSource? _linked;

    private HandshakeTimeouts(CancellationTokenSource? timeout, CancellationTokenSource? linked, CancellationToken token)
    {
        _timeout = timeout;
        _linked = linked;
        Token = token;
    }

    public CancellationToken Token { get; }

    public static HandshakeTimeouts Start(TimeSpan? timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (timeout is not { } value)
        {
            return new HandshakeTimeouts(null, null, cancellationToken);
        }

        var cts = new CancellationTokenSource(value, timeProvider);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, cts.Token);
        return new HandshakeTimeouts(cts, linked, linked.Token);
    }

    /// <summary>True when our own timeout fired and the caller's token did not.</summary>
    public bool TimedOut(CancellationToken callerToken) => _timeout is { IsCancellationRequested: true } && !callerToken.IsCancellationRequested;

    public static MqttTlsException Timeout(string targetHost, int port, TimeSpan timeout, bool peerSpoke, Exception inner) => new(MqttTlsFailureKind.Timeout,
        peerSpoke
            ? $"The TLS handshake with '{targetHost}' port {port} started but did not finish within {timeout.TotalSeconds:0.###}s (HandshakeTimeout). The broker or the network is stalling; check the broker's load and log."
            : $"'{targetHost}' port {port} accepted the TCP connection but sent nothing back to the TLS ClientHello within {timeout.TotalSeconds:0.###}s (HandshakeTimeout). " +
              "Something that is not a TLS server (or a hung one) listens there: check the port, and that no firewall or proxy swallows the traffic.",
        inner);

    public void Dispose()
    {
        _linked?.Dispose();
        _timeout?.Dispose();
    }
}
