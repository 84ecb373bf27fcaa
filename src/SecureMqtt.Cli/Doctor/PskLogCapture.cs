using Microsoft.Extensions.Logging;

namespace SecureMqtt.Cli.Doctor;

/// <summary>
/// TLS-PSK connections report no MqttTlsInfo (there is no server certificate); the client logs the negotiated version
/// and suite instead (event 103), so the doctor listens for that one line.
/// </summary>
internal sealed class PskLogCapture : ILoggerFactory, ILogger
{
    private const int PskEstablishedEventId = 103;

    public string? Protocol { get; private set; }

    public string? CipherSuite { get; private set; }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id != PskEstablishedEventId || state is not IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            return;
        }

        foreach (var (key, value) in values)
        {
            switch (key)
            {
                case "Protocol":
                    Protocol = value?.ToString();
                    break;
                case "CipherSuite":
                    CipherSuite = value?.ToString();
                    break;
            }
        }
    }

    public void Dispose()
    {
    }
}
