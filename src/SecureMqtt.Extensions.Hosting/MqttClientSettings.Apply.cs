using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Authentication;
using Microsoft.Extensions.Configuration;
using SecureMqtt.Packets;

namespace SecureMqtt.Extensions.Hosting;

/// <summary>Reading a section into <see cref="MqttHostedClientOptions"/>; every problem becomes one message naming its key.</summary>
internal sealed partial class MqttClientSettings
{
    /// <summary>
    /// Reads <paramref name="configuration"/> onto <paramref name="target"/>. Does not throw for wrong values: they go to
    /// <see cref="MqttHostedClientOptions.ConfigurationErrors"/>, which the validator reports at start, all together.
    /// </summary>
    public static void Apply(IConfiguration configuration, MqttHostedClientOptions target)
    {
        var reader = new Reader(configuration, target.ConfigurationErrors);
        target.Configuration = configuration;
        if (!configuration.GetChildren().Any())
        {
            // A misspelt section name would otherwise connect to localhost:1883 without TLS, silently.
            reader.Errors.Add($"The configuration section '{reader.Path}' is missing or empty: it needs at least Host (or Servers). docs/hosting.md lists the keys.");
            return;
        }

        reader.CheckKeys<MqttClientSettings>(configuration);
        var settings = new MqttClientSettings();
        try
        {
            configuration.Bind(settings);
        }
        catch (InvalidOperationException ex)
        {
            // The binder's message names the key ("... at 'Mqtt:Port' to type ..."); its inner one says what was wrong.
            reader.Errors.Add(ex.InnerException switch
            {
                ArgumentException inner => $"{ex.Message} {Reader.MessageOf(inner)}",
                { } inner => $"{ex.Message} {inner.Message}",
                null => ex.Message,
            });
            return;
        }

        target.Client = settings.ApplyTo(target.Client, reader);
        if (settings.ConnectOnStart is { } connectOnStart)
        {
            target.ConnectOnStart = connectOnStart;
        }
    }

    private MqttClientOptions ApplyTo(MqttClientOptions o, Reader r)
    {
        if (Host is not null)
        {
            o = o with { Host = Host };
        }

        if (Port is not null)
        {
            o = o with { Port = Port };
        }

        if (Servers is not null)
        {
            o = o with { Servers = r.Endpoints(Servers, nameof(Servers)) };
        }

        if (ClientId is not null)
        {
            o = o with { ClientId = ClientId };
        }

        if (r.Version(ProtocolVersion, nameof(ProtocolVersion)) is { } version)
        {
            o = o with { ProtocolVersion = version };
        }

        if (CleanStart is { } cleanStart)
        {
            o = o with { CleanStart = cleanStart };
        }

        if (r.Duration(KeepAlive, nameof(KeepAlive)) is { } keepAlive)
        {
            o = o with { KeepAlive = keepAlive };
        }

        if (r.Duration(SessionExpiry, nameof(SessionExpiry)) is { } sessionExpiry)
        {
            o = o with { SessionExpiry = sessionExpiry };
        }

        if (r.Duration(ConnectTimeout, nameof(ConnectTimeout)) is { } connectTimeout)
        {
            o = o with { ConnectTimeout = connectTimeout };
        }

        if (r.Duration(DisconnectTimeout, nameof(DisconnectTimeout)) is { } disconnectTimeout)
        {
            o = o with { DisconnectTimeout = disconnectTimeout };
        }

        if (Credentials is { } credentials)
        {
            var userName = credentials.UserName ?? o.Credentials?.UserName;
            if (userName is null)
            {
                r.Error("Credentials:Password", $"is set without {r.Key("Credentials:UserName")}.");
            }
            else
            {
                o = o with { Credentials = new MqttCredentials(userName, credentials.Password ?? o.Credentials?.Password) };
            }
        }

        if (Tls is { } tls)
        {
            o = o with { Tls = tls.Enabled == false ? null : Apply(tls, o.Tls ?? new MqttTlsOptions(), r) };
        }

        if (Reconnect is { } reconnect)
        {
            o = o with { Reconnect = Apply(reconnect, o.Reconnect ?? new MqttReconnectOptions(), r) };
        }

        if (OfflineQueue is { } queue)
        {
            var q = o.OfflineQueue ?? new MqttOfflineQueueOptions();
            o = o with
            {
                OfflineQueue = q with
                {
                    MaximumMessages = queue.MaximumMessages ?? q.MaximumMessages,
                    MaximumBytes = queue.MaximumBytes ?? q.MaximumBytes,
                    FullMode = queue.FullMode ?? q.FullMode,
                    DropAtMostOnce = queue.DropAtMostOnce ?? q.DropAtMostOnce,
                },
            };
        }

        return o with
        {
            ReceiveMaximum = ReceiveMaximum ?? o.ReceiveMaximum,
            MaximumOutgoingInFlight = MaximumOutgoingInFlight ?? o.MaximumOutgoingInFlight,
            MaximumPacketSize = MaximumPacketSize ?? o.MaximumPacketSize,
            MaximumTopicLength = MaximumTopicLength ?? o.MaximumTopicLength,
            TopicAliasMaximum = TopicAliasMaximum ?? o.TopicAliasMaximum,
            UseOutgoingTopicAliases = UseOutgoingTopicAliases ?? o.UseOutgoingTopicAliases,
            RequestProblemInformation = RequestProblemInformation ?? o.RequestProblemInformation,
            RequestResponseInformation = RequestResponseInformation ?? o.RequestResponseInformation,
            OutputBufferSize = OutputBufferSize ?? o.OutputBufferSize,
            IncomingMessageChannelCapacity = IncomingMessageChannelCapacity ?? o.IncomingMessageChannelCapacity,
            IncomingMessageBufferSize = IncomingMessageBufferSize ?? o.IncomingMessageBufferSize,
            IncomingMessageFullMode = IncomingMessageFullMode ?? o.IncomingMessageFullMode,
            AcknowledgeAfterHandlers = AcknowledgeAfterHandlers ?? o.AcknowledgeAfterHandlers,
        };
    }

    private static MqttTlsOptions Apply(MqttTlsSettings s, MqttTlsOptions t, Reader r) => t with
    {
        CaFile = s.CaFile ?? t.CaFile,
        TargetHost = s.TargetHost ?? t.TargetHost,
        ClientCertificateFile = s.ClientCertificateFile ?? t.ClientCertificateFile,
        ClientKeyFile = s.ClientKeyFile ?? t.ClientKeyFile,
        ClientKeyPassphrase = s.ClientKeyPassphrase ?? t.ClientKeyPassphrase,
        Pkcs12File = s.Pkcs12File ?? t.Pkcs12File,
        Pkcs12Password = s.Pkcs12Password ?? t.Pkcs12Password,
        MinimumVersion = r.TlsVersion(s.MinimumVersion, "Tls:MinimumVersion") ?? t.MinimumVersion,
        ApplicationProtocols = s.ApplicationProtocols ?? t.ApplicationProtocols,
        CheckCertificateRevocation = s.CheckCertificateRevocation ?? t.CheckCertificateRevocation,
        AllowUntrustedServerCertificate = s.AllowUntrustedServerCertificate ?? t.AllowUntrustedServerCertificate,
        PinnedPublicKeys = s.PinnedPublicKeys ?? t.PinnedPublicKeys,
        PinOnly = s.PinOnly ?? t.PinOnly,
        CrlFile = s.CrlFile ?? t.CrlFile,
        AllowWeakServerCertificates = s.AllowWeakServerCertificates ?? t.AllowWeakServerCertificates,
        HandshakeTimeout = r.Duration(s.HandshakeTimeout, "Tls:HandshakeTimeout") ?? t.HandshakeTimeout,
        AllowSessionResumption = s.AllowSessionResumption ?? t.AllowSessionResumption,
    };

    private static MqttReconnectOptions Apply(MqttReconnectSettings s, MqttReconnectOptions t, Reader r) => t with
    {
        Enabled = s.Enabled ?? t.Enabled,
        RetryFirstConnect = s.RetryFirstConnect ?? t.RetryFirstConnect,
        InitialDelay = r.Duration(s.InitialDelay, "Reconnect:InitialDelay") ?? t.InitialDelay,
        MaximumDelay = r.Duration(s.MaximumDelay, "Reconnect:MaximumDelay") ?? t.MaximumDelay,
        Jitter = s.Jitter ?? t.Jitter,
        Resubscribe = s.Resubscribe ?? t.Resubscribe,
        MaximumAttempts = s.MaximumAttempts ?? t.MaximumAttempts,
        FollowServerReferences = s.FollowServerReferences ?? t.FollowServerReferences,
    };

    /// <summary>Turns the texts of the section into typed values, collecting a message per value it cannot read.</summary>
    private sealed class Reader(IConfiguration configuration, List<string> errors)
    {
        public List<string> Errors { get; } = errors;

        /// <summary>The section's own path, e.g. "Mqtt" or "Mqtt:Clients:plant-a"; empty for a configuration root.</summary>
        public string Path { get; } = configuration is IConfigurationSection section ? section.Path : string.Empty;

        /// <summary>The full key of a setting, as the application's configuration spells it.</summary>
        public string Key(string relative) => Path.Length == 0 ? relative : Path + ":" + relative;

        public void Error(string relative, string problem) => Errors.Add($"{Key(relative)} {problem}");

        /// <summary>Reports keys that no setting has (a typo would otherwise be ignored and leave a default in place).</summary>
        /// <remarks>
        /// Generic with the properties kept for the trimmer, and the nested settings named one by one, so this stays
        /// AOT-safe: a Type taken from PropertyType would not tell the trimmer which properties to keep.
        /// </remarks>
        public void CheckKeys<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] T>(IConfiguration section)
        {
            var properties = typeof(T).GetProperties();
            foreach (var child in section.GetChildren())
            {
                // Configuration keys are case-insensitive, as the binder reads them.
                var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
                if (property is null)
                {
                    var known = properties.Select(p => p.Name).Order(StringComparer.Ordinal);
                    Errors.Add($"{child.Path} is not a setting of the MQTT client (check the spelling); the keys here are {string.Join(", ", known)}.");
                    continue;
                }

                switch (property.PropertyType)
                {
                    case var t when t == typeof(MqttCredentialsSettings):
                        CheckKeys<MqttCredentialsSettings>(child);
                        break;
                    case var t when t == typeof(MqttTlsSettings):
                        CheckKeys<MqttTlsSettings>(child);
                        break;
                    case var t when t == typeof(MqttReconnectSettings):
                        CheckKeys<MqttReconnectSettings>(child);
                        break;
                    case var t when t == typeof(MqttOfflineQueueSettings):
                        CheckKeys<MqttOfflineQueueSettings>(child);
                        break;
                    case var t when t.IsClass && t != typeof(string) && !t.IsGenericType:
                        // A settings class added without a case here would have its keys unchecked: fail loudly in tests.
                        throw new InvalidOperationException($"{t.Name} has no key check; add it to CheckKeys.");
                }
            }
        }

        /// <summary>A duration: a number of seconds ("30", "0.5") or a time span ("00:00:30", "1.00:00:00").</summary>
        public TimeSpan? Duration(string? text, string relative)
        {
            if (text is null)
            {
                return null;
            }

            // A bare number is seconds: TimeSpan.Parse would read "30" as thirty days.
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds)
                && Math.Abs(seconds) <= TimeSpan.MaxValue.TotalSeconds)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span))
            {
                return span;
            }

            Error(relative, $"is '{text}', which is not a duration: write seconds (30) or hh:mm:ss (00:00:30).");
            return null;
        }

        public MqttProtocolVersion? Version(string? text, string relative)
        {
            switch (Normalize(text))
            {
                case null:
                    return null;
                case "5" or "50" or "v5" or "v50" or "v500" or "mqtt5" or "mqtt50":
                    return MqttProtocolVersion.V500;
                case "311" or "4" or "v311" or "mqtt311":
                    return MqttProtocolVersion.V311;
                default:
                    Error(relative, $"is '{text}', which is not an MQTT version: use 5.0 or 3.1.1.");
                    return null;
            }
        }

        public SslProtocols? TlsVersion(string? text, string relative)
        {
            switch (Normalize(text))
            {
                case null:
                    return null;
                case "12" or "tls12" or "tlsv12":
                    return SslProtocols.Tls12;
                case "13" or "tls13" or "tlsv13":
                    return SslProtocols.Tls13;
                default:
                    Error(relative, $"is '{text}', which is not a TLS version the client accepts: use 1.2 or 1.3.");
                    return null;
            }
        }

        public IReadOnlyList<MqttEndpoint> Endpoints(List<string> uris, string relative)
        {
            var endpoints = new List<MqttEndpoint>(uris.Count);
            for (var i = 0; i < uris.Count; i++)
            {
                try
                {
                    endpoints.Add(MqttEndpoint.Parse(uris[i]));
                }
                catch (ArgumentException ex)
                {
                    Error($"{relative}:{i.ToString(CultureInfo.InvariantCulture)}", $"is not a server address: {MessageOf(ex)}");
                }
            }

            return endpoints;
        }

        /// <summary>An ArgumentException's message without the " (Parameter 'x')" the runtime appends.</summary>
        public static string MessageOf(ArgumentException ex) =>
            ex.ParamName is { } name ? ex.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : ex.Message;

        // "TLS 1.2", "tlsv1.2", "Tls12", "1.2" and "V500", "5.0" alike: lower case, letters and digits only.
        private static string? Normalize(string? text) =>
            text is null ? null : new string([.. text.Where(char.IsAsciiLetterOrDigit).Select(char.ToLowerInvariant)]);
    }
}
