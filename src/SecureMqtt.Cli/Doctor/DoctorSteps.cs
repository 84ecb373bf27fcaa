namespace SecureMqtt.Cli.Doctor;

/// <summary>The steps of the walk, in the order a connection goes through them (the articles' handshake order).</summary>
internal static class DoctorSteps
{
    public const string Tcp = "tcp";
    public const string Proxy = "proxy-tunnel";
    public const string Config = "tls-config";
    public const string Hello = "client-hello";
    public const string Chain = "server-chain";
    public const string Verify = "chain-verification";
    public const string Hostname = "hostname";
    public const string Negotiated = "negotiated";
    public const string ClientCertificate = "client-certificate";
    public const string WebSocket = "websocket-upgrade";
    public const string Mqtt = "mqtt-connect";

    /// <summary>
    /// The steps; a ws or wss endpoint has the WebSocket upgrade between TLS and MQTT, and a proxy (--proxy) the tunnel
    /// between TCP (then to the proxy) and TLS, as on the wire.
    /// </summary>
    public static List<DoctorStep> Create(bool webSocket = false, bool proxy = false) =>
    [
        new(Tcp, proxy ? "TCP connect to the proxy" : "TCP connect"),
        .. proxy ? (DoctorStep[])[new(Proxy, "Proxy tunnel to the broker")] : [],
        new(Config, "TLS configuration"),
        new(Hello, "Client hello / server hello"),
        new(Chain, "Server certificate chain received"),
        new(Verify, "Chain verification"),
        new(Hostname, "Host name check"),
        new(Negotiated, "Negotiated parameters"),
        new(ClientCertificate, "Client certificate"),
        .. webSocket ? (DoctorStep[])[new(WebSocket, "WebSocket upgrade")] : [],
        new(Mqtt, "MQTT CONNECT / CONNACK"),
    ];
}
