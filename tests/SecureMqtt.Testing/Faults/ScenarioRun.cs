using System.Diagnostics;
using System.Globalization;
using SecureMqtt.Packets;

namespace SecureMqtt.Testing.Faults;

/// <summary>
/// The parts every scenario shares: its own Mosquitto, clients that reconnect fast and are watched by a
/// <see cref="ReconnectClock"/>, a progress line, and the arithmetic that turns counts into a result.
/// </summary>
internal sealed class ScenarioRun : IAsyncDisposable
{
    /// <summary>The broker keeps sessions this long: longer than any run, so no session expires in the middle.</summary>
    public static readonly TimeSpan SessionExpiry = TimeSpan.FromMinutes(30);

    /// <summary>Fast retries: the runs measure reconnect times, and a 1 s default would dominate them.</summary>
    public static readonly MqttReconnectOptions Reconnect = new()
    {
        InitialDelay = TimeSpan.FromMilliseconds(50),
        MaximumDelay = TimeSpan.FromMilliseconds(500),
    };

    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly List<ReconnectClock> _clocks = [];
    private readonly List<MqttClient> _clients = [];
    private readonly List<MosquittoBroker> _brokers = [];
    private readonly Dictionary<string, FileLog> _logs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopProgress = new();
    private Task _progress = Task.CompletedTask;

    public ScenarioRun(string name, FaultScenarioOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Messages);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Faults);
        Name = name;
        Options = options;
        Tally = new DeliveryTally(options.Messages);
    }

    public string Name { get; }

    public FaultScenarioOptions Options { get; }

    /// <summary>What the subscribing application received.</summary>
    public DeliveryTally Tally { get; }

    public string Topic { get; } = $"faults/{Guid.NewGuid():N}/data";

    public int Reconnects => _clocks.Sum(c => c.Reconnects);

    /// <summary>One line per client whose session the broker did not have on a reconnect: a broker loss of state, not a client's.</summary>
    /// <summary>
    /// When messages are still missing after the count settled, resets the subscriber's link once and counts again:
    /// what arrives then was held by the broker while the subscriber was connected and quiet (it sent nothing more
    /// until a reconnect made it resend), which is told apart from a loss. Returns that as a problem, or null.
    /// </summary>
    public async Task<string?> ResetSubscriberIfShortAsync(FaultProxy subscriberProxy, MqttClient subscriber, CancellationToken cancellationToken)
    {
        if (Tally.Complete.IsCompleted)
        {
            return null;
        }

        var before = Tally.Distinct;
        subscriberProxy.ResetAll();
        await Tally.WaitForAllOrQuietAsync(Options.QuietPeriod, cancellationToken, subscriber).ConfigureAwait(false);
        var recovered = Tally.Distinct - before;
        return recovered > 0
            ? $"{recovered} messages arrived only after the subscriber's connection was reset: the broker held them while that connection was up and quiet for {Options.QuietPeriod.TotalSeconds:F0} s"
            : null;
    }

    public IEnumerable<string> ForgottenSessions(params string[] except) =>
        _clocks.Where(c => c.FreshSessions > 0 && !except.Contains(c.ClientId))
            .Select(c => $"the broker had no session for {c.ClientId} on {c.FreshSessions} of its {c.Reconnects} reconnects");

    /// <summary>
    /// Starts a Mosquitto with one plain loopback listener that neither drops nor limits queued messages: its
    /// default max_queued_messages of 1000 per client would silently drop QoS 1/2 messages for a subscriber that
    /// is away or behind, which is the broker's choice, not a loss this experiment is about.
    /// </summary>
    public async Task<MosquittoBroker> StartBrokerAsync(int port, bool persistence, string extra = "", CancellationToken cancellationToken = default)
    {
        var work = Directory.CreateTempSubdirectory("faults-mosquitto-").FullName;
        var config = new System.Text.StringBuilder()
            // 0 would mean "no limit" per mosquitto.conf(5), but some 2.0 releases treat 0 as a limit of nothing.
            .Append("max_queued_messages 100000000\n")
            .Append("max_queued_bytes 0\n")
            // In flight towards each client at once (default 20): more keeps a pipelining subscriber busy.
            .Append("max_inflight_messages 100\n");
        if (persistence)
        {
            // Written on SIGTERM in any case; the autosave only bounds what a crash would lose.
            config.Append("persistence true\n")
                .Append(CultureInfo.InvariantCulture, $"persistence_location {work}/\n")
                .Append("autosave_interval 30\n");
        }

        config.Append(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1\n")
            .Append("allow_anonymous true\n")
            .Append(extra);
        var broker = await MosquittoBroker.StartAsync(config.ToString(), [port], work, cancellationToken).ConfigureAwait(false);
        _brokers.Add(broker);
        return broker;
    }

    /// <summary>Client options for this run: MQTT 5, a fixed id, a session the broker keeps (and saves), short keep-alive and backoff.</summary>
    public MqttClientOptions ClientOptions(string clientId, params int[] ports) => new()
    {
        ClientId = clientId,
        ProtocolVersion = MqttProtocolVersion.V500,

        // Resume-or-create from the first connect on. Mosquitto 2.0 writes to its database only the sessions of
        // clients that connected with Clean Start 0, whatever their session expiry: with Clean Start 1 the first
        // SIGTERM restart forgets both sessions, and with them what was queued for the subscriber. Each run has a
        // broker of its own, so there is no stale session to resume.
        CleanStart = false,
        Servers = [.. ports.Select(p => MqttEndpoint.Parse(string.Create(CultureInfo.InvariantCulture, $"mqtt://127.0.0.1:{p}")))],
        KeepAlive = Options.KeepAlive,
        SessionExpiry = SessionExpiry,
        Reconnect = Reconnect,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        SuppressQoS2ResendAfterRelease = Options.SuppressQoS2ResendAfterRelease,
    };

    /// <summary>Connects a client that this run watches and disposes.</summary>
    public async Task<MqttClient> ConnectAsync(MqttClientOptions options, bool watch = true, CancellationToken cancellationToken = default)
    {
        if (Options.LogDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
            var log = new FileLog(Path.Combine(directory, $"{Name}-{options.ClientId}.log"));
            _logs[options.ClientId] = log;
            options = options with { LoggerFactory = log };
        }

        var client = new MqttClient(options);
        _clients.Add(client);
        if (watch)
        {
            _clocks.Add(new ReconnectClock(client));
        }

        await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return client;
    }

    /// <summary>
    /// The subscriber's handler: counts in <see cref="Tally"/> and, when the run writes logs, notes each delivery
    /// (message number, packet id, DUP) in the client's log, between the packets it came with.
    /// </summary>
    public Func<MqttMessage, CancellationToken, ValueTask> Deliver(string clientId) =>
        _logs.TryGetValue(clientId, out var log)
            ? (message, token) =>
            {
                log.Write(string.Create(CultureInfo.InvariantCulture,
                    $"{DateTime.UtcNow:HH:mm:ss.ffffff} Delivery {DeliveryTally.NumberOf(message.Payload.Span)} m{message.PacketId} d{(message.Duplicate ? 1 : 0)}"));
                return Tally.OnMessageAsync(message, token);
            }
            : Tally.OnMessageAsync;

    /// <summary>Prints a line about once a second while the run goes on.</summary>
    public void StartProgress(PublishPump pump, Func<int> faults)
    {
        if (Options.Progress is not { } progress)
        {
            return;
        }

        _progress = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(_stopProgress.Token).ConfigureAwait(false))
                {
                    progress(string.Create(CultureInfo.InvariantCulture,
                        $"{Name}: {_wall.Elapsed.TotalSeconds,6:F1} s  sent {pump.Sent}  acked {pump.Acknowledged}  received {Tally.Distinct}  faults {faults()}  reconnects {Reconnects}"));
                }
            }
            catch (OperationCanceledException)
            {
                // The run is over.
            }
        });
    }

    /// <summary>
    /// Builds the result. <paramref name="lost"/> decides which messages count as lost (default: acknowledged and
    /// never received); <paramref name="problems"/> are the scenario's own failed expectations.
    /// </summary>
    public FaultScenarioResult Finish(PublishPump pump, IReadOnlyDictionary<string, int> faults, Func<int, bool>? lost = null,
        int brokerLoss = 0, IEnumerable<string>? problems = null)
    {
        lost ??= n => pump.IsAcknowledged(n) && !Tally.Has(n);
        var lostNumbers = Enumerable.Range(0, Options.Messages).Where(lost).ToList();
        var durations = _clocks.SelectMany(c => c.Durations).ToList();
        var list = (problems ?? []).ToList();
        if (pump.FirstFailure is { } failure)
        {
            list.Add($"{pump.Failed} publishes failed, the first: {failure}");
        }

        return new FaultScenarioResult
        {
            Scenario = Name,
            Seed = Options.Seed,
            Sent = pump.Sent,
            Acknowledged = pump.Acknowledged,
            Received = Tally.Distinct,
            Lost = lostNumbers.Count,
            LostSample = [.. lostNumbers.Take(20)],
            Duplicated = Tally.Duplicates(),
            BrokerResends = Tally.ResentAfterRelease,
            BrokerLoss = brokerLoss,
            Faults = faults,
            Reconnects = Reconnects,
            ReconnectP50 = ReconnectClock.Percentile(durations, 50),
            ReconnectP99 = ReconnectClock.Percentile(durations, 99),
            Wall = _wall.Elapsed,
            Problems = list,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _stopProgress.CancelAsync().ConfigureAwait(false);
        await _progress.ConfigureAwait(false);
        _stopProgress.Dispose();
        foreach (var client in Enumerable.Reverse(_clients))
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var log in _logs.Values)
        {
            log.Dispose();
        }

        foreach (var broker in _brokers)
        {
            var work = broker.WorkDirectory;
            await broker.DisposeAsync().ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("SECUREMQTT_FAULTS_KEEP") == "1")
            {
                // For an investigation: the broker's config, log and database stay.
                Options.Progress?.Invoke($"{Name}: kept {work}");
                continue;
            }

            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is not worth failing a run for.
            }
        }
    }

    /// <summary>Faults by kind over several proxies, kinds in lower case.</summary>
    public static Dictionary<string, int> FaultsOf(params FaultProxy[] proxies) =>
        proxies.SelectMany(p => p.InjectedFaults)
            .GroupBy(k => k.ToString().ToLowerInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Completes once the proxies together injected <paramref name="count"/> faults.</summary>
    public static async Task WaitForFaultsAsync(int count, CancellationToken cancellationToken, params FaultProxy[] proxies)
    {
        while (proxies.Sum(p => p.FaultsInjected) < count)
        {
            await Task.WhenAny(proxies.Select(p => p.WaitForFaultsAsync(p.FaultsInjected + 1, cancellationToken))).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
