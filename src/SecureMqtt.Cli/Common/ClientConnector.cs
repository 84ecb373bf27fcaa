using SecureMqtt.Packets;

namespace SecureMqtt.Cli.Common;

/// <summary>Turns <see cref="ClientArguments"/> into a connected <see cref="MqttClient"/>, printing mosquitto-style -d lines.</summary>
internal sealed class ClientConnector : IAsyncDisposable
{
    private readonly ClientArguments _arguments;
    private readonly CliStreams _streams;
    private System.Security.Cryptography.X509Certificates.X509Certificate2Collection? _caDirectory;
    private MqttPreSharedKey? _psk;
    private Sqlite.MqttSqliteSessionStore? _store;
    private Authentication.MqttScramAuthenticator? _authenticator;

    public ClientConnector(ClientArguments arguments, CliStreams streams)
    {
        _arguments = arguments;
        _streams = streams;
        Debug = new DebugPrinter(streams, arguments.Debug, arguments.ResolveClientId());
    }

    public DebugPrinter Debug { get; }

    /// <summary>The wait between reconnect attempts, as mosquitto_pub and mosquitto_sub wait.</summary>
    public static TimeSpan ReconnectDelay { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Builds the client options, with -D connect and will properties applied.</summary>
    public async Task<MqttClientOptions> BuildOptionsAsync(CancellationToken cancellationToken)
    {
        var a = _arguments;
        var options = new MqttClientOptions
        {
            Host = a.Host,
            Port = a.Port,
            ProtocolVersion = a.Version,
            ClientId = a.ResolveClientId(),
            CleanStart = a.CleanSession,
            KeepAlive = TimeSpan.FromSeconds(a.KeepAliveSeconds),
            // With SCRAM, -u/-P are the SCRAM credentials: sending them in CONNECT as well would give the password away.
            Credentials = a.UserName is null || a.AuthMethod is not null ? null : new MqttCredentials(a.UserName, a.Password),
            // mosquitto: -c without -x keeps the session forever (MQTT 5); 3.1.1 has no expiry to send, as
            // clean session 0 alone keeps it there (the client refuses a non-zero expiry under 3.1.1).
            // -x under 3.1.1 is ignored, as mosquitto ignores it: that version has no session expiry to send.
            SessionExpiry = TimeSpan.FromSeconds(a.Version != MqttProtocolVersion.V500 ? 0 : a.SessionExpirySeconds ?? (a.CleanSession ? 0 : uint.MaxValue)),
            LoggerFactory = Debug.Enabled ? Debug : Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,

            // libmosquitto's reconnect: reconnect_delay 1 s, and reconnect_delay_max also 1 s, so no backoff. The
            // tools subscribe again themselves on every connect, as mosquitto_sub's on-connect callback does.
            Reconnect = new MqttReconnectOptions { InitialDelay = ReconnectDelay, MaximumDelay = ReconnectDelay, Jitter = 0, Resubscribe = false },

            // -M is libmosquitto's max_inflight: the client itself keeps no more than that many QoS 1/2 messages out.
            MaximumOutgoingInFlight = a.MaxInflight is { } maxInflight ? (ushort)Math.Min(maxInflight, ushort.MaxValue) : null,
            Proxy = a.Proxy,
        };

        if (a.WillTopic is not null)
        {
            var will = new MqttMessage
            {
                Topic = a.WillTopic,
                Payload = System.Text.Encoding.UTF8.GetBytes(a.WillPayload ?? string.Empty),
                QualityOfService = a.WillQoS,
                Retain = a.WillRetain,
            };
            foreach (var p in a.Properties.Where(p => p.Command == "will"))
            {
                if (p.Name == "will-delay-interval")
                {
                    options = options with { WillDelay = TimeSpan.FromSeconds(p.UInt(uint.MaxValue)) };
                }
                else
                {
                    will = p.ApplyTo(will);
                }
            }

            options = options with { Will = will };
        }

        foreach (var p in a.Properties.Where(p => p.Command == "connect"))
        {
            options = p.Name switch
            {
                "session-expiry-interval" => options with { SessionExpiry = TimeSpan.FromSeconds(p.UInt(uint.MaxValue)) },
                "receive-maximum" => options with { ReceiveMaximum = (ushort)Math.Max(1, p.UInt(ushort.MaxValue)) },
                "maximum-packet-size" => options with { MaximumPacketSize = p.UInt(uint.MaxValue) },
                "topic-alias-maximum" => options with { TopicAliasMaximum = (ushort)p.UInt(ushort.MaxValue) },
                "user-property" => options with { ConnectUserProperties = [.. options.ConnectUserProperties, p.UserProperty] },
                "request-problem-information" => options with { RequestProblemInformation = p.UInt(1) == 1 },
                "request-response-information" => options with { RequestResponseInformation = p.UInt(1) == 1 },
                "authentication-method" or "authentication-data" => options, // ClientArguments.AuthMethod
                _ => throw p.NotSupported(),
            };
        }

        _authenticator ??= a.CreateAuthenticator();
        if (_authenticator is not null)
        {
            options = options with { Authenticator = _authenticator };
        }

        if (a.Tls.Enabled)
        {
            options = options with { Tls = await BuildTlsAsync(cancellationToken).ConfigureAwait(false) };
        }

        if (a.UseWebSocket)
        {
            // The endpoint carries what makes it a WebSocket one, so the broker is given as Servers.
            options = options with
            {
                Host = "localhost",
                Port = null,
                Servers = [new MqttEndpoint(a.Host, a.Port, options.Tls is not null, webSocketPath: a.WebSocketPath)],
                WebSocket = new MqttWebSocketOptions { RequestHeaders = new Dictionary<string, string>(a.WebSocketHeaders, StringComparer.OrdinalIgnoreCase) },
            };
        }

        if (a.UseSrv)
        {
            options = await ResolveSrvAsync(options, cancellationToken).ConfigureAwait(false);
        }

        if (a.StorePath is not null)
        {
            // Opened last, once everything else is known to be valid: the store is exclusively ours while open.
            _store = await OpenStoreAsync(a.StorePath, cancellationToken).ConfigureAwait(false);
            options = options with { SessionStore = _store };
        }

        return options;
    }

    /// <summary>
    /// Opens --store. SQLite is a native library: the native smqtt binary loads libe_sqlite3.so from its own
    /// directory, and one copied without it would otherwise die with a type initializer's stack trace.
    /// </summary>
    private static async Task<Sqlite.MqttSqliteSessionStore> OpenStoreAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await Sqlite.MqttSqliteSessionStore.OpenAsync(new Sqlite.MqttSqliteSessionStoreOptions { Path = path }, cancellationToken).ConfigureAwait(false);
        }
        catch (TypeInitializationException ex) when (ex.GetBaseException() is DllNotFoundException)
        {
            throw new CliException($"--store: the SQLite library (libe_sqlite3.so) did not load; keep it in the directory of smqtt ({AppContext.BaseDirectory.TrimEnd('/')}).", ex);
        }
    }

    /// <summary>Connects; with -d the client itself prints CONNECT and CONNACK.</summary>
    /// <param name="options">The client options.</param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <param name="prepare">
    /// Runs on the new client before it connects: a resumed session's queued messages arrive right after CONNACK,
    /// so a message handler attached only after connecting would miss them.
    /// </param>
    public async Task<MqttClient> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken, Action<MqttClient>? prepare = null)
    {
        var client = new MqttClient(options);
        client.Disconnected += ReportLoss;
        try
        {
            prepare?.Invoke(client);
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            Debug.ClientId = client.ClientId;
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// One line on stderr per lost connection, with the reason and when the client tries again: mosquitto's tools
    /// retry in silence, which leaves a user looking at a stalled pipe without knowing why. -q silences it.
    /// </summary>
    private void ReportLoss(object? sender, MqttDisconnectedEventArgs e)
    {
        if (_arguments.Quiet || !e.WillRetry)
        {
            return;
        }

        var delay = e.RetryDelay is { } d ? $" in {d.TotalSeconds:0.#}s" : string.Empty;
        var reason = e.Exception.Message.TrimEnd('.');
        _streams.Error.WriteLine($"Connection lost: {reason}. Reconnecting{delay}.");
    }

    /// <summary>
    /// -S: the servers the SRV records of -h's domain name, in RFC 2782 order, tried in turn by the client (the
    /// records' ports win over -p).
    /// </summary>
    private async Task<MqttClientOptions> ResolveSrvAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        var a = _arguments;
        var environment = DefaultsFile.EnvironmentOverride.Value ?? Environment.GetEnvironmentVariable;
        var targets = await SrvLookup.LookupAsync(a.SrvName, environment, cancellationToken).ConfigureAwait(false);
        if (targets.Count == 0)
        {
            throw new CliException($"no SRV record for {a.SrvName}");
        }

        Debug.Plain($"SRV {a.SrvName}: {string.Join(", ", targets.Select(t => $"{t.Host}:{t.Port}"))}");
        return options with
        {
            Host = "localhost",
            Port = null,
            Servers = [.. targets.Select(t => new MqttEndpoint(t.Host, t.Port, a.Tls.Enabled))],
        };
    }

    public async Task DisconnectAsync(MqttClient client)
    {
        if (client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                var properties = PropertyArgument.UserProperties(_arguments.Properties, "disconnect");
                await client.DisconnectAsync(new MqttDisconnectOptions
                {
                    UserProperties = properties,
                    ReasonString = _arguments.DisconnectReasonString,
                    SessionExpiry = _arguments.DisconnectSessionExpirySeconds is { } expiry ? TimeSpan.FromSeconds(expiry) : null,
                }, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttException or OperationCanceledException or IOException)
            {
                // The connection is going away anyway; what was sent has been acknowledged.
            }
        }

        await client.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        // The clients using the key are disposed by now: zero it rather than leave it to the garbage collector.
        _psk?.Dispose();
        _authenticator?.Dispose();
        foreach (var certificate in _caDirectory ?? [])
        {
            certificate.Dispose();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<MqttTlsOptions> BuildTlsAsync(CancellationToken cancellationToken)
    {
        var t = _arguments.Tls;
        if (t.PskHex is not null)
        {
            try
            {
                _psk = MqttPreSharedKey.FromHex(t.PskIdentity!, t.PskHex);
                return new MqttTlsOptions { PreSharedKey = _psk, MinimumVersion = t.MinimumVersion, PskImplementation = t.PskImplementation ?? MqttPskImplementation.Auto };
            }
            catch (FormatException ex)
            {
                throw new UsageException($"--psk: {ex.Message}", ex);
            }
        }

        if (t.CaFile is null && t.CaPath is not null)
        {
            _caDirectory = CaDirectory.Load(t.CaPath);
        }

        var tls = new MqttTlsOptions
        {
            CaFile = t.CaFile,
            CaCertificates = _caDirectory,
            ClientCertificateFile = t.CertFile,
            ClientKeyFile = t.KeyFile,
            ClientKeyPassphrase = t.KeyFile is null ? null : KeyPassphrase.Resolve(t.KeyFile, _streams),
            Pkcs12File = t.Pkcs12File,
            Pkcs12Password = t.Pkcs12File is null ? null : KeyPassphrase.ResolvePkcs12(t.Pkcs12File, _streams),
            MinimumVersion = t.MinimumVersion,
            ApplicationProtocols = t.Alpn,
            PinnedPublicKeys = t.Pins,
            PinOnly = t.Pins.Count > 0 && t.CaFile is null && _caDirectory is null && !t.UseOsCertificates,
            CrlFile = t.CrlFile,
        };

        if (tls.CaFile is not null || tls.CaCertificates is not null || tls.PinOnly)
        {
            // Nothing will trust the OS store: do not spend the start-up parsing it (OsTrustStore says why it is read).
            OsTrustStore.SkipLoading();
        }

        if (t.Insecure)
        {
            // mosquitto's --insecure skips only the host name check; the chain must still verify. The client has
            // no such switch, so learn the name the verified certificate carries and let the client check that.
            var roots = _caDirectory;
            if (t.CaFile is not null)
            {
                roots = [];
                roots.ImportFromPemFile(t.CaFile);
            }

            var name = await ServerNameProbe.FindVerifiedNameAsync(_arguments.Host, _arguments.Port ?? 8883, roots, cancellationToken).ConfigureAwait(false);
            tls = tls with { TargetHost = name };
        }

        return tls;
    }
}
