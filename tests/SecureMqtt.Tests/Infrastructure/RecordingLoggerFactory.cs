using Microsoft.Extensions.Logging;

namespace SecureMqtt.Tests.Infrastructure;

/// <summary>Records every log line at or above <paramref name="minimum"/> with its event id.</summary>
public sealed class RecordingLoggerFactory(LogLevel minimum = LogLevel.Trace) : ILoggerFactory, ILogger
{
    private readonly List<(int EventId, LogLevel Level, string Text)> _lines = [];

    public IReadOnlyList<(int EventId, LogLevel Level, string Text)> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            lock (_lines)
            {
                _lines.Add((eventId.Id, logLevel, formatter(state, exception)));
            }
        }
    }

    public void Dispose()
    {
    }
}
