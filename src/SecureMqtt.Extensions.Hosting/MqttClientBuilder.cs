using Microsoft.Extensions.DependencyInjection;

namespace SecureMqtt.Extensions.Hosting;

/// <summary>Returned by <c>AddMqttClient</c>: configures that one client further, in code.</summary>
public sealed class MqttClientBuilder
{
    internal MqttClientBuilder(IServiceCollection services, string name)
    {
        Services = services;
        Name = name;
    }

    /// <summary>The service collection the client is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The client's name; <c>""</c> for the default client.</summary>
    public string Name { get; }

    /// <summary>
    /// Changes the client's options after the configuration (and earlier delegates) set them, for what configuration
    /// cannot say: a will, an authenticator, a session store. Example: <c>.ConfigureClient(o => o with { Will = will })</c>.
    /// </summary>
    /// <param name="configure">Returns the new options from the current ones.</param>
    /// <returns>This builder.</returns>
    public MqttClientBuilder ConfigureClient(Func<MqttClientOptions, MqttClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return ConfigureClient((_, options) => configure(options));
    }

    /// <summary>Like <see cref="ConfigureClient(Func{MqttClientOptions, MqttClientOptions})"/>, with the service provider, for services the options need.</summary>
    /// <param name="configure">Returns the new options from the service provider and the current options.</param>
    /// <returns>This builder.</returns>
    public MqttClientBuilder ConfigureClient(Func<IServiceProvider, MqttClientOptions, MqttClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddOptions<MqttHostedClientOptions>(Name).Configure<IServiceProvider>((options, services) =>
            options.Client = configure(services, options.Client)
                ?? throw new InvalidOperationException($"The ConfigureClient delegate of {MqttClientNames.Display(Name)} returned null instead of options."));
        return this;
    }

    /// <summary>Changes the hosting settings of this client, for example <see cref="MqttHostedClientOptions.ConnectOnStart"/>.</summary>
    /// <param name="configure">Changes the settings in place.</param>
    /// <returns>This builder.</returns>
    public MqttClientBuilder Configure(Action<MqttHostedClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddOptions<MqttHostedClientOptions>(Name).Configure(configure);
        return this;
    }
}
