namespace SecureMqtt.Authentication;

/// <summary>
/// One run of an enhanced authentication method: the initial CONNECT (or AUTH Re-authenticate), then one step per
/// AUTH Continue authentication challenge from the server, then the check of the server's last word.
/// </summary>
/// <remarks>
/// <para>The client drives the exchange in this order and never concurrently:</para>
/// <list type="number">
/// <item><see cref="GetInitialDataAsync"/> once: its result is the Authentication Data of CONNECT, or of the
/// AUTH packet with reason code 0x19 Re-authenticate.</item>
/// <item><see cref="ContinueAsync"/> for each AUTH packet with reason code 0x18 Continue authentication the
/// server sends; the step's data goes back in an AUTH packet with reason code 0x18.</item>
/// <item><see cref="CompleteAsync"/> once, with the Authentication Data of the successful CONNACK (first
/// authentication) or of the AUTH packet with reason code 0x00 Success (re-authentication). A method that
/// authenticates the server (SCRAM does) throws here when the server's proof is wrong, and the client must then
/// treat the connection as not authenticated and close it.</item>
/// </list>
/// <para>Any method may throw <see cref="MqttAuthenticationException"/> when the server's data is unacceptable;
/// the client then ends the connection (DISCONNECT with reason code 0x87 Not authorized once connected).
/// Dispose clears whatever secret material the exchange still holds.</para>
/// </remarks>
public interface IMqttAuthenticationExchange : IDisposable
{
    /// <summary>The data to send with the Authentication Method in CONNECT or AUTH Re-authenticate.</summary>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>The Authentication Data, or null to send none.</returns>
    /// <exception cref="InvalidOperationException">The exchange has already started.</exception>
    ValueTask<ReadOnlyMemory<byte>?> GetInitialDataAsync(CancellationToken cancellationToken = default);

    /// <summary>Answers one AUTH challenge (reason code 0x18 Continue authentication) from the server.</summary>
    /// <param name="serverData">The Authentication Data of the server's AUTH packet; null when it carried none.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>What to send back in the client's AUTH packet with reason code 0x18.</returns>
    /// <exception cref="MqttAuthenticationException">The challenge is malformed, reports an error, or comes when the method expects none.</exception>
    ValueTask<MqttAuthStep> ContinueAsync(ReadOnlyMemory<byte>? serverData, CancellationToken cancellationToken = default);

    /// <summary>Checks the data the server sent with its success (CONNACK 0x00 or AUTH 0x00) and ends the exchange.</summary>
    /// <param name="serverFinalData">The Authentication Data of the success packet; null when it carried none.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>A task that completes when the server's final data has been accepted.</returns>
    /// <exception cref="MqttAuthenticationException">The server did not prove itself (wrong or missing proof) or reported an error.</exception>
    ValueTask CompleteAsync(ReadOnlyMemory<byte>? serverFinalData, CancellationToken cancellationToken = default);
}
