using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SecureMqtt.Extensions.Hosting;

/// <summary>
/// Connects the registered clients when the host starts and disconnects them when it stops. One instance serves every
/// client; the clients connect at the same time, so one slow broker does not delay the others. It works in the
/// lifecycle's outer phases (StartingAsync, StoppedAsync), so every other hosted service finds its client connected
/// in StartAsync and still connected in StopAsync, whichever was registered first.
/// </summary>
internal sealed class MqttClientHostedService(
    MqttClientFactory factory,
    IOptionsMonitor<MqttHostedClientOptions> options,
    ILogger<MqttClientHostedService> logger) : IHostedLifecycleService
{
    /// <summary>
    /// Waits for every client with ConnectOnStart to connect. The library retries a failed first connect only when
    /// Reconnect.RetryFirstConnect is set; otherwise the failure (broker down, certificate untrusted) fails the host's
    /// start, so a misconfigured service stops at once with the reason instead of running without its broker.
    /// Once connected, a lost connection is the library's to re-establish.
    /// </summary>
    public Task StartingAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(factory.Names.Where(name => options.Get(name).ConnectOnStart).Select(name => ConnectAsync(name, cancellationToken)));

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Sends DISCONNECT on every client made (connected, reconnecting, or connected by the application), so the broker
    /// sees a clean end: no will published, no "connection lost" on either side. Bounded by the host's shutdown timeout.
    /// </summary>
    public Task StoppedAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(factory.Created.Select(created => DisconnectAsync(created.Name, created.Client, cancellationToken)));

    private async Task ConnectAsync(string name, CancellationToken cancellationToken)
    {
        var client = factory.GetClient(name);
        Log.Connecting(logger, MqttClientNames.Display(name));
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (MqttException ex)
        {
            Log.ConnectFailed(logger, MqttClientNames.Display(name), ex.Message, ex);
            throw;
        }

        Log.Connected(logger, MqttClientNames.Display(name), client.Endpoint?.ToString() ?? "?", client.ClientId);
    }

    private async Task DisconnectAsync(string name, MqttClient client, CancellationToken cancellationToken)
    {
        if (client.State is MqttClientState.Disconnected or MqttClientState.Disposed)
        {
            return;
        }

        try
        {
            await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.Disconnected(logger, MqttClientNames.Display(name));
        }
        catch (MqttException ex)
        {
            // The connection was already going; the client is closed either way, and stopping must go on.
            Log.DisconnectFailed(logger, MqttClientNames.Display(name), ex.Message, ex);
        }
    }
}
