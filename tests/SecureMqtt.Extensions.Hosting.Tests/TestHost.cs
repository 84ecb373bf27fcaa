using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SecureMqtt.Extensions.Hosting.Tests;

/// <summary>A host as an application builds it (Host.CreateApplicationBuilder), with in-memory configuration and captured logs.</summary>
internal static class TestHost
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static IHost Build(IDictionary<string, string?> configuration, Action<HostApplicationBuilder> register, CapturingLoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = Timeout);
        register(builder);
        return builder.Build();
    }

    /// <summary>The configuration of a client on one of the fixture's listeners, under <paramref name="prefix"/>.</summary>
    public static Dictionary<string, string?> MutualTls(Testing.MosquittoFixture broker, string prefix, string clientId) => new()
    {
        [$"{prefix}:Host"] = broker.Host,
        [$"{prefix}:Port"] = $"{broker.MutualTlsPort}",
        [$"{prefix}:ClientId"] = clientId,
        [$"{prefix}:Tls:CaFile"] = broker.CaCertificatePath,
        [$"{prefix}:Tls:ClientCertificateFile"] = broker.ClientCertificatePath,
        [$"{prefix}:Tls:ClientKeyFile"] = broker.ClientKeyPath,
        [$"{prefix}:ConnectTimeout"] = "10",
    };

    public static string UniqueId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..24];
}

/// <summary>Collects log lines with their category, so tests can see who logged what.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly List<(string Category, LogLevel Level, EventId Id, string Message)> _entries = [];
    private readonly List<(Func<(string Category, LogLevel Level, EventId Id, string Message), bool> Match, TaskCompletionSource Seen)> _waiters = [];

    /// <summary>Completes when a line matching <paramref name="match"/> is logged (or already was).</summary>
    public Task WaitForAsync(Func<(string Category, LogLevel Level, EventId Id, string Message), bool> match)
    {
        lock (_entries)
        {
            if (_entries.Any(match))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, seen));
            return seen.Task.WaitAsync(TestHost.Timeout);
        }
    }

    public IReadOnlyList<(string Category, LogLevel Level, EventId Id, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._entries)
            {
                var entry = (category, logLevel, eventId, formatter(state, exception));
                owner._entries.Add(entry);
                foreach (var waiter in owner._waiters.Where(w => w.Match(entry)).ToList())
                {
                    waiter.Seen.TrySetResult();
                    owner._waiters.Remove(waiter);
                }
            }
        }
    }
}
