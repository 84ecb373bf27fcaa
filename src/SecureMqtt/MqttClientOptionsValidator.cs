using System.Security.Authentication;
using SecureMqtt.Packets;

namespace SecureMqtt;

/// <summary>Rejects settings that are out of range or contradict each other, naming the option at fault.</summary>
internal static class MqttClientOptionsValidator
{
    public static void Validate(MqttClientOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        Require(!string.IsNullOrWhiteSpace(o.Host), nameof(o.Host), "Host must name the broker.");
        Require(o.Port is null or (> 0 and <= 65535), nameof(o.Port), "Port must be between 1 and 65535.");
        Require(o.ProtocolVersion is MqttProtocolVersion.V311 or MqttProtocolVersion.V500, nameof(o.ProtocolVersion), "ProtocolVersion must be V311 or V500.");
        Require(o.ClientId is not null, nameof(o.ClientId), "ClientId must not be null (use an empty string to have it assigned).");
        Require(o.KeepAlive >= TimeSpan.Zero && o.KeepAlive.TotalSeconds <= ushort.MaxValue, nameof(o.KeepAlive), "KeepAlive must be between 0 and 65535 seconds.");
        Require(o.SessionExpiry >= TimeSpan.Zero && o.SessionExpiry.TotalSeconds <= uint.MaxValue, nameof(o.SessionExpiry), "SessionExpiry must be between 0 and 4294967295 seconds.");
        Require(o.ReceiveMaximum > 0, nameof(o.ReceiveMaximum), "ReceiveMaximum must be at least 1 [MQTT 3.1.2.11.3].");
        Require(o.MaximumOutgoingInFlight is null or > 0, nameof(o.MaximumOutgoingInFlight), "MaximumOutgoingInFlight must be at least 1 (null: the broker's limit).");
        Require(o.MaximumPacketSize >= 128, nameof(o.MaximumPacketSize), "MaximumPacketSize must be at least 128 bytes.");
        Require(o.ConnectTimeout > TimeSpan.Zero, nameof(o.ConnectTimeout), "ConnectTimeout must be positive.");
        Require(o.DisconnectTimeout >= TimeSpan.Zero, nameof(o.DisconnectTimeout), "DisconnectTimeout must not be negative (zero closes at once).");
        Require(o.OutputBufferSize >= 1024, nameof(o.OutputBufferSize), "OutputBufferSize must be at least 1024 bytes.");
        Require(o.IncomingMessageChannelCapacity > 0, nameof(o.IncomingMessageChannelCapacity), "IncomingMessageChannelCapacity must be positive.");
        Require(o.IncomingMessageBufferSize >= 1024, nameof(o.IncomingMessageBufferSize), "IncomingMessageBufferSize must be at least 1024 bytes.");
        Require(o.MaximumTopicLength is > 0 and <= 65535, nameof(o.MaximumTopicLength), "MaximumTopicLength must be between 1 and 65535 bytes (the protocol's maximum).");
        Require(o.ConnectUserProperties is not null, nameof(o.ConnectUserProperties), "ConnectUserProperties must not be null (use an empty list).");
        Require(o.LoggerFactory is not null, nameof(o.LoggerFactory), "LoggerFactory must not be null.");
        Require(o.TimeProvider is not null, nameof(o.TimeProvider), "TimeProvider must not be null.");
        Require(o.Servers is not null && o.Servers.All(s => s is not null), nameof(o.Servers), "Servers must not be null or hold null (use an empty list for Host and Port).");
        Require(o.Servers is not { Count: > 0 } || (o.Host == "localhost" && o.Port is null), nameof(o.Servers),
            "Give the broker either as Servers or as Host and Port, not both.");
        Require(o.Reconnect is not null, nameof(o.Reconnect), "Reconnect must not be null (use MqttReconnectOptions.Disabled).");
        if (o.Reconnect is { } r)
        {
            Require(r.InitialDelay >= TimeSpan.Zero, nameof(o.Reconnect) + "." + nameof(r.InitialDelay), "InitialDelay must not be negative.");
            Require(r.MaximumDelay >= r.InitialDelay, nameof(o.Reconnect) + "." + nameof(r.MaximumDelay), "MaximumDelay must be at least InitialDelay.");
            Require(r.Jitter is >= 0 and <= 1, nameof(o.Reconnect) + "." + nameof(r.Jitter), "Jitter must be between 0 and 1.");
            Require(r.MaximumAttempts is null or > 0, nameof(o.Reconnect) + "." + nameof(r.MaximumAttempts), "MaximumAttempts must be positive (null: no limit).");
        }

        Require(o.OfflineQueue is not null, nameof(o.OfflineQueue), "OfflineQueue must not be null.");
        if (o.OfflineQueue is { } q)
        {
            Require(q.MaximumMessages > 0, nameof(o.OfflineQueue) + "." + nameof(q.MaximumMessages), "MaximumMessages must be positive.");
            Require(q.MaximumBytes >= 1024, nameof(o.OfflineQueue) + "." + nameof(q.MaximumBytes), "MaximumBytes must be at least 1024 bytes.");
        }

        if (o.ProtocolVersion == MqttProtocolVersion.V311)
        {
            // [MQTT-3.1.3-7]: a 3.1.1 server only accepts an empty client id together with a clean session.
            Require(o.ClientId?.Length > 0 || o.CleanStart, nameof(o.ClientId), "MQTT 3.1.1 needs a ClientId when CleanStart is false.");
            Require(o.SessionExpiry == TimeSpan.Zero, nameof(o.SessionExpiry), "SessionExpiry is an MQTT 5 feature; with V311 use CleanStart=false to keep the session.");
            Require(o.TopicAliasMaximum == 0, nameof(o.TopicAliasMaximum), "Topic aliases are an MQTT 5 feature.");
            Require(!o.UseOutgoingTopicAliases, nameof(o.UseOutgoingTopicAliases), "Topic aliases are an MQTT 5 feature.");
            Require(o.WillDelay is null, nameof(o.WillDelay), "WillDelay is an MQTT 5 feature.");
            Require(o.ConnectUserProperties is not { Count: > 0 }, nameof(o.ConnectUserProperties), "User properties are an MQTT 5 feature.");
            Require(o.RequestProblemInformation, nameof(o.RequestProblemInformation), "Request Problem Information is an MQTT 5 feature.");
            Require(!o.RequestResponseInformation, nameof(o.RequestResponseInformation), "Request Response Information is an MQTT 5 feature.");
            Require(o.Authenticator is null, nameof(o.Authenticator),
                "Enhanced authentication (Authenticator) is an MQTT 5 feature: MQTT 3.1.1 has no AUTH packet. Use ProtocolVersion V500, or Credentials for user name and password.");
        }

        if (o.Will is { } will)
        {
            Require(MqttTopic.IsValidTopicName(will.Topic, out var error), nameof(o.Will), $"Will topic is not valid: {error}");
        }

        Require(o.WillDelay is null || o.Will is not null, nameof(o.WillDelay), "WillDelay is set but there is no Will.");
        Require(o.WillDelay is null || (o.WillDelay >= TimeSpan.Zero && o.WillDelay.Value.TotalSeconds <= uint.MaxValue), nameof(o.WillDelay), "WillDelay must be between 0 and 4294967295 seconds.");
        Require(o.Authenticator is null || !string.IsNullOrEmpty(o.Authenticator.Method), nameof(o.Authenticator), "Authenticator.Method must name the authentication method.");
        Require(o.Credentials is null || o.Credentials.UserName is not null, nameof(o.Credentials), "Credentials.UserName must not be null.");

        if (o.Tls is { } tls)
        {
            ValidateTls(tls);
        }

        if (o.Proxy is { } proxy)
        {
            ValidateProxy(proxy, nameof(o.Proxy));
        }

        for (var i = 0; i < (o.Servers?.Count ?? 0); i++)
        {
            if (o.Servers![i]?.Proxy is { } serverProxy)
            {
                ValidateProxy(serverProxy, $"{nameof(o.Servers)}[{i}].{nameof(MqttEndpoint.Proxy)}");
            }
        }

        Require(o.WebSocket is not null, nameof(o.WebSocket), "WebSocket must not be null.");
        ValidateWebSocket(o.WebSocket!);
    }

    // The headers go verbatim into the upgrade request: a line break in one would let it forge others.
    private static void ValidateWebSocket(MqttWebSocketOptions webSocket)
    {
        const string Option = nameof(MqttClientOptions.WebSocket) + "." + nameof(MqttWebSocketOptions.RequestHeaders);
        Require(webSocket.RequestHeaders is not null, Option, "RequestHeaders must not be null.");
        foreach (var (name, value) in webSocket.RequestHeaders!)
        {
            Require(name.Length > 0 && name.All(IsTokenChar), Option, $"The header name '{name}' is not an HTTP field name (letters, digits and !#$%&'*+-.^_`|~ only).");
            Require(value is not null && !value.Any(c => c is '\r' or '\n' or '\0'), Option, $"The value of the header '{name}' contains a line break or NUL.");
            Require(!Transport.WebSockets.WebSocketHandshake.ReservedHeaders.Contains(name), Option,
                $"The header '{name}' is part of the WebSocket handshake itself and is set by the client.");
        }
    }

    // RFC 9110 section 5.6.2: tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    // The proxy checks its own settings; here the failure also names where in the options the proxy sits.
    private static void ValidateProxy(MqttProxyOptions proxy, string option)
    {
        try
        {
            proxy.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{ex.Message} (option {option}.{ex.ParamName})", option, ex);
        }
    }

    private static void ValidateTls(MqttTlsOptions tls)
    {
        const string Prefix = nameof(MqttClientOptions.Tls) + ".";
        Require(tls.MinimumVersion is SslProtocols.Tls12 or SslProtocols.Tls13, Prefix + nameof(tls.MinimumVersion), "MinimumVersion must be Tls12 or Tls13.");

        // Like Npgsql, refuse a combination that claims verification while switching it off.
        Require(!(tls.AllowUntrustedServerCertificate && tls.HasCustomCa), Prefix + nameof(tls.AllowUntrustedServerCertificate),
            tls.CaFile is not null
                ? "AllowUntrustedServerCertificate contradicts CaFile: either verify against the CA file or (for development only) do not verify."
                : "AllowUntrustedServerCertificate contradicts CaCertificates: either verify against those CA certificates or (for development only) do not verify.");
        Require(!(tls.CaFile is not null && tls.CaCertificates is not null), Prefix + nameof(tls.CaCertificates),
            "Give the CA either as CaFile or as CaCertificates, not both: which one would be trusted would be a guess.");
        Require(tls.CaCertificates is not { Count: 0 }, Prefix + nameof(tls.CaCertificates),
            "CaCertificates is empty: nothing would be trusted. Add the CA certificate(s), or leave it null to use the OS trust store.");
        Require(!(tls.Pkcs12File is not null && tls.ClientCertificateFile is not null), Prefix + nameof(tls.Pkcs12File),
            "Give the client certificate either as Pkcs12File or as ClientCertificateFile (+ ClientKeyFile), not both.");
        Require(!(tls.ClientCertificate is not null && (tls.Pkcs12File is not null || tls.ClientCertificateFile is not null)), Prefix + nameof(tls.ClientCertificate),
            "Give the client certificate either as the ClientCertificate object or as a file (ClientCertificateFile or Pkcs12File), not both.");
        if (tls.ClientCertificate is { } certificate)
        {
            // A disposed certificate has lost its handle; asking it anything else would throw an opaque error.
            Require(certificate.Handle != IntPtr.Zero, Prefix + nameof(tls.ClientCertificate),
                "The ClientCertificate object has been disposed; keep it alive as long as the client may connect.");
            Require(certificate.HasPrivateKey, Prefix + nameof(tls.ClientCertificate),
                $"The ClientCertificate '{certificate.Subject}' has no private key, so it cannot prove the client's identity. " +
                "Load it together with its key (for example X509CertificateLoader.LoadPkcs12, CopyWithPrivateKey, or a store certificate whose key is installed).");
        }

        Require(tls.ClientKeyFile is null || tls.ClientCertificateFile is not null, Prefix + nameof(tls.ClientKeyFile),
            "ClientKeyFile is set without ClientCertificateFile.");
        Require(tls.ClientKeyPassphrase is null || tls.ClientCertificateFile is not null, Prefix + nameof(tls.ClientKeyPassphrase),
            "ClientKeyPassphrase is set without ClientCertificateFile.");
        Require(tls.Pkcs12Password is null || tls.Pkcs12File is not null, Prefix + nameof(tls.Pkcs12Password),
            "Pkcs12Password is set without Pkcs12File.");
        Require(tls.TargetHost is null || tls.TargetHost.Length > 0, Prefix + nameof(tls.TargetHost), "TargetHost must not be empty.");
        Require(tls.ApplicationProtocols is not null && tls.ApplicationProtocols.All(p => !string.IsNullOrEmpty(p)), Prefix + nameof(tls.ApplicationProtocols),
            "ApplicationProtocols must not contain empty names.");
        Tls.TlsOptionsValidation.Validate(tls);
    }

    private static void Require(bool condition, string option, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"{message} (option {option})", option);
        }
    }
}
