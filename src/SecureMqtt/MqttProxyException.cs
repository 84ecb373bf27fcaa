namespace SecureMqtt;

/// <summary>
/// Opening the tunnel through the configured proxy failed, before any TLS or MQTT byte reached the broker: a proxy
/// failure is never reported as a TLS or broker error. <see cref="Kind"/> says why; messages never contain the proxy password.
/// </summary>
public sealed class MqttProxyException : MqttException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">The class of failure.</param>
    /// <param name="message">The cause and the fix in plain language.</param>
    /// <param name="proxyStatusCode">The proxy's answer code (HTTP status, or SOCKS5 reply/method code), when it gave one.</param>
    /// <param name="inner">The socket or I/O exception, if any.</param>
    public MqttProxyException(MqttProxyFailureKind kind, string message, int? proxyStatusCode = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        ProxyStatusCode = proxyStatusCode;
    }

    /// <summary>The class of failure.</summary>
    public MqttProxyFailureKind Kind { get; }

    /// <summary>The HTTP status code (e.g. 407) or SOCKS5 reply code (e.g. 2, "not allowed by ruleset") the proxy answered with, if any.</summary>
    public int? ProxyStatusCode { get; }

    /// <summary>A proxy or target that is down, busy or slow may work later; bad credentials and broken answers will not.</summary>
    public override bool IsTransient => Kind is MqttProxyFailureKind.Unreachable or MqttProxyFailureKind.Refused or MqttProxyFailureKind.Timeout;
}
