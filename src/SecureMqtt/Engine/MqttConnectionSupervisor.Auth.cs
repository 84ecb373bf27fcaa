namespace SecureMqtt.Engine;

internal sealed partial class MqttConnectionSupervisor
{
    /// <summary>Re-authenticates the current connection with a fresh exchange of <see cref="MqttClientOptions.Authenticator"/>.</summary>
    public async Task ReauthenticateAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, _client);
        var authenticator = Options.Authenticator
            ?? throw new InvalidOperationException("Re-authentication needs MqttClientOptions.Authenticator: the connection was not made with enhanced authentication.");
        var connection = _current is { IsAlive: true } current ? current : throw NotConnected();
        await connection.ReauthenticateAsync(authenticator, cancellationToken).ConfigureAwait(false);
    }
}
