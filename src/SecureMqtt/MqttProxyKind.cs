namespace SecureMqtt;

/// <summary>The protocol spoken to a proxy to open a tunnel to the broker.</summary>
public enum MqttProxyKind
{
    /// <summary>HTTP CONNECT (RFC 9110 section 9.3.6), optionally with Basic proxy authentication (<c>http://</c>).</summary>
    Http,

    /// <summary>SOCKS version 5 (RFC 1928), optionally with user name and password (RFC 1929) (<c>socks5://</c> or <c>socks5h://</c>).</summary>
    Socks5,
}
