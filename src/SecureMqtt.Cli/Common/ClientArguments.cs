using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// The options mosquitto_pub and mosquitto_sub share (connection, authentication, will, TLS, MQTT 5 properties),
/// with mosquitto's names, defaults and meanings. Each tool parses its own options first and hands the rest here.
/// </summary>
internal sealed partial class ClientArguments(string tool)
{
    public string Tool { get; } = tool;

    public string Host { get; set; } = "localhost";

    public int? Port { get; set; }

    public string? ClientId { get; set; }

    public string? ClientIdPrefix { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public int KeepAliveSeconds { get; set; } = 60;

    /// <summary>mosquitto's default is MQTT 3.1.1, not the library's 5.0: an unchanged command line must behave the same.</summary>
    public MqttProtocolVersion Version { get; set; } = MqttProtocolVersion.V311;

    public bool CleanSession { get; set; } = true;

    public long? SessionExpirySeconds { get; set; }

    public bool Debug { get; set; }

    public bool Quiet { get; set; }

    public string? WillTopic { get; set; }

    public string? WillPayload { get; set; }

    public MqttQualityOfService WillQoS { get; set; }

    public bool WillRetain { get; set; }

    public List<PropertyArgument> Properties { get; } = [];

    /// <summary>-D disconnect reason-string: the Reason String for the DISCONNECT sent at the end (MQTT 5).</summary>
    public string? DisconnectReasonString { get; private set; }

    /// <summary>-D disconnect session-expiry-interval: the Session Expiry Interval for the DISCONNECT sent at the end (MQTT 5).</summary>
    public uint? DisconnectSessionExpirySeconds { get; private set; }

    public TlsArguments Tls { get; } = new();

    /// <summary>--store FILE: a durable session store (SQLite) for this client id.</summary>
    public string? StorePath { get; set; }

    /// <summary>Handles <paramref name="option"/> when it is a shared one; false when the caller must report it unknown.</summary>
    public bool TryParse(string option, ArgumentCursor cursor)
    {
        switch (option)
        {
            case "-h" or "--host":
                Host = cursor.Value(option, "host");
                return true;
            case "-p" or "--port":
                Port = cursor.Int(option, "port", 1, 65535);
                return true;
            case "-i" or "--id":
                ClientId = cursor.Value(option, "id");
                return true;
            case "--store":
                StorePath = cursor.Value(option, "store file");
                return true;
            case "-I" or "--id-prefix":
                ClientIdPrefix = cursor.Value(option, "id prefix");
                return true;
            case "-u" or "--username":
                UserName = cursor.Value(option, "username");
                return true;
            case "-P" or "--pw":
                Password = cursor.Value(option, "password");
                return true;
            case "-k" or "--keepalive":
                // As mosquitto_pub/sub: 0 (no keep-alive) is refused too, so a dead broker is always noticed.
                KeepAliveSeconds = cursor.Int(option, "keepalive", 5, 65535);
                return true;
            case "-V" or "--protocol-version":
                Version = ParseVersion(cursor.Value(option, "protocol version"));
                return true;
            case "-c" or "--disable-clean-session":
                CleanSession = false;
                return true;
            case "-x":
                SessionExpirySeconds = ParseSessionExpiry(cursor.Value(option, "session expiry interval"));
                return true;
            case "-d" or "--debug":
                Debug = true;
                return true;
            case "--quiet":
                Quiet = true;
                return true;
            case "--nodelay":
                // SecureMqtt always disables Nagle's algorithm, so the option holds already.
                return true;
            case "-L" or "--url":
                ParseUrl(cursor.Value(option, "URL"));
                return true;
            case "--will-topic":
                WillTopic = cursor.Value(option, "will topic");
                return true;
            case "--will-payload":
                WillPayload = cursor.Value(option, "will payload");
                return true;
            case "--will-qos":
                WillQoS = ParseQoS(cursor.Value(option, "will QoS"));
                return true;
            case "--will-retain":
                WillRetain = true;
                return true;
            case "-D" or "--property":
                Properties.Add(PropertyArgument.Parse(cursor, option));
                return true;
            default:
                return Tls.TryParse(option, cursor) || TryParseAuth(option, cursor) || TryParseParity(option, cursor) || TryParseProxy(option, cursor) || TryParseWebSocket(option, cursor)
                    || RejectUnsupported(option);
        }
    }

    /// <summary>Topics given with -L (mqtt://host/topic), for the tool to add to its -t list.</summary>
    public string? UrlTopic { get; private set; }

    /// <summary>Checks what only the whole command line can tell (mosquitto's own cross-option checks).</summary>
    public void Validate()
    {
        if (WillPayload is not null && WillTopic is null)
        {
            throw new UsageException("Will payload given, but no will topic given.");
        }

        if (WillRetain && WillTopic is null)
        {
            throw new UsageException("Will retain given, but no will topic given.");
        }

        if (Password is not null && UserName is null)
        {
            throw new UsageException("Password given, but no username given.");
        }

        if (WillTopic is not null && !MqttTopic.IsValidTopicName(WillTopic, out var error))
        {
            throw new UsageException($"Invalid will topic '{WillTopic}': {error}.");
        }

        ValidateWebSocket();
        if (Version != MqttProtocolVersion.V500 && Properties.Count > 0)
        {
            throw new UsageException("You must use MQTT v5 (-V mqttv5) to use properties (-D).");
        }

        foreach (var p in Properties.Where(p => p.Command == "disconnect"))
        {
            if (p.Name == "reason-string")
            {
                DisconnectReasonString = p.Value;
            }
            else if (p.Name == "session-expiry-interval")
            {
                DisconnectSessionExpirySeconds = p.UInt(uint.MaxValue);
            }
        }

        if (DisconnectSessionExpirySeconds > 0 && ConnectSessionExpirySeconds == 0)
        {
            // mosquitto_pub/sub send it anyway and leave the broker to object; the client must not [MQTT-3.14.2-2].
            throw new UsageException(
                "-D disconnect session-expiry-interval: the session expiry was 0 at CONNECT, so DISCONNECT must not set a non-zero one [MQTT-3.14.2-2]; give -x or -D connect session-expiry-interval as well.");
        }

        if (!CleanSession && ClientId is null && ClientIdPrefix is null)
        {
            throw new UsageException("You must provide a client id (-i) if you are using the -c option.");
        }

        if (StorePath is not null && ClientId is null)
        {
            // The store holds one client's session: a generated id would never find it again after a restart.
            throw new UsageException("A session store (--store) belongs to one client: give the client id with -i.");
        }

        ValidateAuth();
        Tls.Validate();
    }

    /// <summary>
    /// The Session Expiry Interval CONNECT carries under MQTT 5, worked out as the connector does: -D connect
    /// session-expiry-interval, else -x, else forever for -c and 0 otherwise.
    /// </summary>
    public uint ConnectSessionExpirySeconds =>
        Properties.LastOrDefault(p => p is { Command: "connect", Name: "session-expiry-interval" }) is { } p
            ? p.UInt(uint.MaxValue)
            : (uint)(SessionExpirySeconds ?? (CleanSession ? 0 : uint.MaxValue));

    /// <summary>The client id: -i, else -I followed by the process id, else the tool's name with the process id.</summary>
    public string ResolveClientId() =>
        ClientId ?? (ClientIdPrefix ?? $"smqtt_{Tool}_") + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static MqttQualityOfService ParseQoS(string text) => text switch
    {
        "0" => MqttQualityOfService.AtMostOnce,
        "1" => MqttQualityOfService.AtLeastOnce,
        "2" => MqttQualityOfService.ExactlyOnce,
        _ => throw new UsageException($"Invalid QoS given: {text}"),
    };

    private static MqttProtocolVersion ParseVersion(string text) => text switch
    {
        "mqttv5" or "5" => MqttProtocolVersion.V500,
        "mqttv311" or "311" => MqttProtocolVersion.V311,
        "mqttv31" or "31" => throw new UsageException("MQTT 3.1 (-V mqttv31) is not supported because SecureMqtt speaks MQTT 3.1.1 and 5.0 only; use -V mqttv311."),
        _ => throw new UsageException($"Invalid protocol version argument given: '{text}' (use mqttv5, mqttv311, 5 or 311)."),
    };

    private static long ParseSessionExpiry(string text)
    {
        if (text is "-1" or "∞")
        {
            return uint.MaxValue;
        }

        if (!uint.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            throw new UsageException($"Invalid session expiry interval given: '{text}'.");
        }

        return seconds;
    }

    private void ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts" or "ws" or "wss"))
        {
            throw new UsageException($"Unsupported URL scheme in '{text}': use mqtt://[username[:password]@]host[:port]/topic, mqtts://, ws:// or wss://.");
        }

        // ws and wss: MQTT over WebSocket; the URL's path is still the topic, the WebSocket path is --ws-path.
        UseWebSocket = uri.Scheme is "ws" or "wss";
        Host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        Port = uri.IsDefaultPort || uri.Port < 0 ? uri.Scheme switch { "mqtts" => 8883, "ws" => 80, "wss" => 443, _ => 1883 } : uri.Port;
        if (uri.Scheme is "mqtts" or "wss")
        {
            Tls.UseOsCertificates = Tls.CaFile is null && Tls.CaPath is null;
            Tls.TurnOn();
        }

        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            UserName = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            Password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        var topic = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (topic.Length == 0)
        {
            throw new UsageException($"Invalid URL '{text}': it names no topic.");
        }

        UrlTopic = topic;
    }
}
