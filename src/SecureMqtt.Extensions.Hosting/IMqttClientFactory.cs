namespace SecureMqtt.Extensions.Hosting;

/// <summary>
/// The clients registered with <c>services.AddMqttClient(...)</c>, by name. Each is created once, on first use or
/// at host start, from its validated <see cref="MqttHostedClientOptions"/>, and lives as long as the service provider,
/// which disposes it. The same instances are also registered as keyed services (<c>[FromKeyedServices("name")] MqttClient</c>),
/// and the default client (name <c>""</c>) as a plain <see cref="MqttClient"/> service.
/// </summary>
public interface IMqttClientFactory
{
    /// <summary>The names of the registered clients (<c>""</c> for the default one).</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The client registered under <paramref name="name"/>, created on the first call.</summary>
    /// <param name="name">The name given to <c>AddMqttClient</c>; <c>""</c> for the default client.</param>
    /// <returns>The one client of that name.</returns>
    /// <exception cref="InvalidOperationException">No client of that name is registered.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Its options are not valid; the message names the setting.</exception>
    MqttClient GetClient(string name);
}
