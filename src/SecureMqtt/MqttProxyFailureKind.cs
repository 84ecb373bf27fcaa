namespace SecureMqtt;

/// <summary>What went wrong on the way through a proxy; each kind has a different fix.</summary>
public enum MqttProxyFailureKind
{
    /// <summary>No TCP connection to the proxy itself: wrong host or port, or the proxy is down.</summary>
    Unreachable,

    /// <summary>
    /// The proxy answered but would not open the tunnel: its rules forbid the target, or it could not reach the target
    /// (the target is down, unknown or refused the proxy).
    /// </summary>
    Refused,

    /// <summary>The proxy wants credentials that were not given, or rejected the ones that were.</summary>
    AuthenticationFailed,

    /// <summary>The proxy's answer was malformed, truncated, oversized, or not the protocol asked for (e.g. a SOCKS port spoken to as HTTP).</summary>
    ProtocolError,

    /// <summary>The proxy did not accept the connection or finish the tunnel within <see cref="MqttProxyOptions.HandshakeTimeout"/>.</summary>
    Timeout,
}
