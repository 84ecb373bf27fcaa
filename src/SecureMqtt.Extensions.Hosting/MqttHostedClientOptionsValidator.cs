using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace SecureMqtt.Extensions.Hosting;

/// <summary>
/// Runs at host start (ValidateOnStart) and when a client is first created: the configuration's own errors, then the
/// library's checks (<see cref="MqttClientOptions.Validate"/>) with their messages unchanged, followed by the
/// configuration key the failing option was read from.
/// </summary>
internal sealed class MqttHostedClientOptionsValidator : IValidateOptions<MqttHostedClientOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttHostedClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = MqttClientNames.Display(name ?? Options.DefaultName);
        if (options.ConfigurationErrors.Count > 0)
        {
            return ValidateOptionsResult.Fail(options.ConfigurationErrors.Select(e => $"Configuration of {client}: {e}"));
        }

        if (options.Client is null)
        {
            return ValidateOptionsResult.Fail($"{client} has no options (MqttHostedClientOptions.Client is null).");
        }

        try
        {
            options.Client.Validate();
        }
        catch (ArgumentException ex)
        {
            var message = ex.ParamName is { } option
                ? ex.Message.Replace($" (Parameter '{option}')", string.Empty, StringComparison.Ordinal)
                : ex.Message;
            var key = ConfigurationKey(options.Configuration, ex.ParamName);
            return ValidateOptionsResult.Fail(key is null
                ? $"Options of {client}: {message}"
                : $"Configuration of {client}: {message} (configuration key {key})");
        }

        return ValidateOptionsResult.Success;
    }

    // The option's path ("Tls.MinimumVersion", "Servers[0].Proxy") as a key of the section, when the section has it;
    // a value set in code has no key to name.
    private static string? ConfigurationKey(IConfiguration? configuration, string? option)
    {
        if (configuration is null || string.IsNullOrEmpty(option))
        {
            return null;
        }

        var relative = option.Replace("[", ":", StringComparison.Ordinal).Replace("]", string.Empty, StringComparison.Ordinal).Replace('.', ':');
        var section = configuration.GetSection(relative);
        if (!section.Exists())
        {
            return null;
        }

        return section.Path;
    }
}
