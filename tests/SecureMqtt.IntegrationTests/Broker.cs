using Microsoft.Extensions.Logging;
using SecureMqtt.Packets;
using SecureMqtt.Testing;

namespace SecureMqtt.IntegrationTests;

/// <summary>The three listeners of the fixture broker.</summary>
public enum Listener
{
    Plain,
    Tls,
    MutualTls,
}

/// <summary>Builds client options for the fixture's listeners and reads messages with a timeout.</summary>
internal static class Broker
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static MqttClientOptions Options(MosquittoFixture fixture, Listener listener, MqttProtocolVersion version = MqttProtocolVersion.V500, string? clientId = null) => new()
    {
        Host = fixture.Host,
        ProtocolVersion = version,
        ClientId = clientId ?? "it-" + Guid.NewGuid().ToString("N")[..12],
        Port = listener switch
        {
            Listener.Plain => fixture.PlainPort,
            Listener.Tls => fixture.TlsPort,
            _ => fixture.MutualTlsPort,
        },
        Tls = listener switch
        {
            Listener.Plain => null,
            Listener.Tls => new MqttTlsOptions { CaFile = fixture.CaCertificatePath },
            _ => new MqttTlsOptions { CaFile = fixture.CaCertificatePath, ClientCertificateFile = fixture.ClientCertificatePath, ClientKeyFile = fixture.ClientKeyPath },
        },
        ConnectTimeout = Timeout,
    };

    public static async Task<MqttClient> ConnectAsync(MqttClientOptions options)
    {
        var client = new MqttClient(options);
        try
        {
            await client.ConnectAsync();
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public static string UniqueTopic(string prefix) => $"it/{prefix}/{Guid.NewGuid():N}";

    public static async Task<MqttMessage> NextMessageAsync(this MqttClient client)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await foreach (var message in client.ReadMessagesAsync(cts.Token))
        {
            return message;
        }

        throw new InvalidOperationException("The message channel ended.");
    }
}

/// <summary>Collects log lines so tests can assert on warnings.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    private readonly List<(LogLevel Level, EventId Id, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._entries)
            {
                owner._entries.Add((logLevel, eventId, formatter(state, exception)));
            }
        }
    }
}
