using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace SecureMqtt.Extensions.Hosting;

/// <summary>Creates each registered client once, from its validated options, and disposes them with the service provider.</summary>
internal sealed class MqttClientFactory(MqttClientNames names, IOptionsMonitor<MqttHostedClientOptions> options) : IMqttClientFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<MqttClient>> _clients = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    public IReadOnlyCollection<string> Names => names.Names;

    public MqttClient GetClient(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!names.Contains(name))
        {
            throw new InvalidOperationException(
                $"No MQTT client named '{name}' is registered; the registered ones are {string.Join(", ", names.Names.Select(n => $"'{n}'"))}. Register it with services.AddMqttClient(\"{name}\", ...).");
        }

        // Lazy: two threads asking at once must not each open a connection; options.Get validates (and throws) first.
        return _clients.GetOrAdd(name, n => new Lazy<MqttClient>(() => new MqttClient(options.Get(n).Client))).Value;
    }

    /// <summary>The clients made so far, by name: the ones the host must disconnect at stop.</summary>
    public IEnumerable<(string Name, MqttClient Client)> Created =>
        _clients.Where(pair => pair.Value.IsValueCreated).Select(pair => (pair.Key, pair.Value.Value));

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var (_, client) in Created)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }
}
