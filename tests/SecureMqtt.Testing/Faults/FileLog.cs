using System.Globalization;
using Microsoft.Extensions.Logging;

namespace SecureMqtt.Testing.Faults;

/// <summary>A Debug-level logger factory that appends every line to one file, for investigating a fault run.</summary>
internal sealed class FileLog : ILoggerFactory
{
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();

    public FileLog(string path) => _writer = new StreamWriter(path, append: false) { AutoFlush = false };

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Dispose();
        }
    }

    public void Write(string line)
    {
        lock (_lock)
        {
            _writer.WriteLine(line);
        }
    }

    private sealed class Logger(FileLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Write(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.ffffff} {logLevel} {eventId.Id} {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}"));
    }
}
