using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SecureMqtt;
using SecureMqtt.Extensions.Hosting;

// In the namespace of IServiceCollection, as the framework's own Add... methods are, so they need no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// <c>services.AddMqttClient(...)</c>: registers an <see cref="MqttClient"/> whose options come from configuration
/// and code, validated when the host starts, logging through the host's <see cref="ILoggerFactory"/>, connected by a
/// hosted service at start and disconnected at stop. Several named clients may be registered, one per broker.
/// </summary>
public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// Registers the default client (a plain <see cref="MqttClient"/> service) with options read from
    /// <paramref name="configuration"/>, typically <c>builder.Configuration.GetSection("Mqtt")</c>; see docs/hosting.md for the keys.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding Host, Port, Tls and the other keys.</param>
    /// <returns>A builder to configure the client further in code.</returns>
    public static MqttClientBuilder AddMqttClient(this IServiceCollection services, IConfiguration configuration) =>
        services.AddMqttClient(Options.Options.DefaultName, configuration);

    /// <summary>Registers the client <paramref name="name"/> (a keyed <see cref="MqttClient"/> service) with options read from <paramref name="configuration"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client's name, its service key; <c>""</c> is the default client.</param>
    /// <param name="configuration">The section holding Host, Port, Tls and the other keys.</param>
    /// <returns>A builder to configure the client further in code.</returns>
    public static MqttClientBuilder AddMqttClient(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = Register(services, name);
        services.AddOptions<MqttHostedClientOptions>(name).Configure(options => MqttClientSettings.Apply(configuration, options));
        return builder;
    }

    /// <summary>Registers the default client with options made in code, for example <c>o => o with { Host = "broker", Tls = new() }</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Returns the options from the library's defaults (with the host's logger factory).</param>
    /// <returns>A builder to configure the client further in code.</returns>
    public static MqttClientBuilder AddMqttClient(this IServiceCollection services, Func<MqttClientOptions, MqttClientOptions> configure) =>
        Register(services, Options.Options.DefaultName).ConfigureClient(configure);

    /// <summary>Registers the client <paramref name="name"/> with options made in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client's name, its service key; <c>""</c> is the default client.</param>
    /// <param name="configure">Returns the options from the library's defaults (with the host's logger factory).</param>
    /// <returns>A builder to configure the client further in code.</returns>
    public static MqttClientBuilder AddMqttClient(this IServiceCollection services, string name, Func<MqttClientOptions, MqttClientOptions> configure) =>
        Register(services, name).ConfigureClient(configure);

    // Not public: AddMqttClient("Mqtt") would read as "the section Mqtt" and silently register a client of that name
    // with the defaults (localhost:1883, no TLS). Every public overload says where the options come from.
    // Calling it again for the same name adds to that client's configuration.
    private static MqttClientBuilder Register(IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(name);
        var names = Names(services);
        services.TryAddSingleton<MqttClientFactory>();
        services.TryAddSingleton<IMqttClientFactory>(provider => provider.GetRequiredService<MqttClientFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MqttClientHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttHostedClientOptions>, MqttHostedClientOptionsValidator>());
        if (names.Add(name))
        {
            // First for this name, so that configuration and the application's delegates come after it and may override it.
            services.AddOptions<MqttHostedClientOptions>(name)
                .Configure<IServiceProvider>((options, provider) =>
                    options.Client = options.Client with { LoggerFactory = provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance })
                .ValidateOnStart();
            services.AddKeyedSingleton(name, (provider, _) => provider.GetRequiredService<MqttClientFactory>().GetClient(name));
            if (name.Length == 0)
            {
                services.AddSingleton(provider => provider.GetRequiredService<MqttClientFactory>().GetClient(name));
            }
        }

        return new MqttClientBuilder(services, name);
    }

    private static MqttClientNames Names(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(MqttClientNames) && descriptor.ImplementationInstance is MqttClientNames existing)
            {
                return existing;
            }
        }

        var names = new MqttClientNames();
        services.AddSingleton(names);
        return names;
    }
}
