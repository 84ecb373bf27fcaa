using Microsoft.Extensions.Logging;

namespace SecureMqtt.Cli.Common;

/// <summary>
/// The -d lines, worded as mosquitto's ("Client id sending CONNECT"). Plugged into the client as its logger
/// factory, it prints the client's per-packet Debug events (16 sending, 17 received), so every packet shows,
/// keep-alive and acknowledgements included, with the packet ids really used on the wire.
/// </summary>
internal sealed class DebugPrinter(CliStreams streams, bool enabled, string clientId) : ILoggerFactory, ILogger
{
    private const int PacketSentEventId = 16;
    private const int PacketReceivedEventId = 17;

    private readonly Lock _lock = new();

    public bool Enabled { get; } = enabled;

    /// <summary>The id printed; the command updates it when an MQTT 5 broker assigns one.</summary>
    public string ClientId { get; set; } = clientId;

    /// <summary>A line of the client's log: "Client id text".</summary>
    public void Line(string text) => Plain($"Client {ClientId} {text}");

    /// <summary>A -d line of the command's own, as mosquitto_sub's "Subscribed (mid: 1): 0".</summary>
    public void Plain(string text)
    {
        if (Enabled)
        {
            // The read loop, keep-alive and the command all print: keep lines whole.
            lock (_lock)
            {
                streams.WriteLine(text);
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => Enabled && logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id is PacketSentEventId or PacketReceivedEventId)
        {
            Line(formatter(state, exception));
        }
    }

    public void Dispose()
    {
    }
}
