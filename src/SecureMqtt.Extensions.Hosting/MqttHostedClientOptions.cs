using Microsoft.Extensions.Configuration;

namespace SecureMqtt.Extensions.Hosting;

/// <summary>
/// What the host knows about one registered client: its <see cref="MqttClientOptions"/> and what the host does with
/// it. One instance per client name (named options; the default client has the name <c>""</c>). Built in
/// registration order from the configuration section and the configure delegates, then validated at host start.
/// </summary>
public sealed class MqttHostedClientOptions
{
    /// <summary>
    /// The client's options. Configuration and <see cref="MqttClientBuilder.ConfigureClient(Func{MqttClientOptions, MqttClientOptions})"/>
    /// replace it with <c>with</c> expressions; its <see cref="MqttClientOptions.LoggerFactory"/> is the host's.
    /// </summary>
    public MqttClientOptions Client { get; set; } = new();

    /// <summary>
    /// Connect when the host starts (default true); host start waits for the connect and fails when it fails (see
    /// <see cref="MqttReconnectOptions.RetryFirstConnect"/> to keep trying instead). False: the application calls
    /// <see cref="MqttClient.ConnectAsync(CancellationToken)"/> itself; the host still disconnects it at stop.
    /// </summary>
    public bool ConnectOnStart { get; set; } = true;

    /// <summary>The section the options were read from, so a validation error can name the configuration key.</summary>
    internal IConfiguration? Configuration { get; set; }

    /// <summary>Values in the configuration that could not be read (wrong type, unknown key), each naming its key.</summary>
    internal List<string> ConfigurationErrors { get; } = [];
}
