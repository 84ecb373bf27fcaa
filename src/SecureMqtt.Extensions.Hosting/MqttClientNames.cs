using Microsoft.Extensions.Options;

namespace SecureMqtt.Extensions.Hosting;

/// <summary>
/// The names registered with AddMqttClient, held as one instance in the service collection so that the factory and
/// the hosted service see every client, whichever registration came first.
/// </summary>
internal sealed class MqttClientNames
{
    private readonly List<string> _names = [];

    public IReadOnlyList<string> Names => _names;

    /// <summary>Adds <paramref name="name"/>; false when it was registered before.</summary>
    public bool Add(string name)
    {
        if (_names.Contains(name, StringComparer.Ordinal))
        {
            return false;
        }

        _names.Add(name);
        return true;
    }

    public bool Contains(string name) => _names.Contains(name, StringComparer.Ordinal);

    /// <summary>How messages refer to a client: "the MQTT client" for the default one, else with its name.</summary>
    public static string Display(string name) => name == Options.DefaultName ? "the MQTT client" : $"the MQTT client '{name}'";
}
