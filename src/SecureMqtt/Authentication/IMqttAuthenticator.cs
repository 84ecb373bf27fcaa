namespace SecureMqtt.Authentication;

/// <summary>
/// An MQTT 5 enhanced authentication method (section 4.12 of the specification), such as SCRAM-SHA-256.
/// The authenticator itself holds only configuration and secrets, so one instance can sit in immutable options
/// and serve any number of clients and connections: every authentication, the first one in CONNECT and every
/// re-authentication while connected, runs in a fresh <see cref="IMqttAuthenticationExchange"/> from
/// <see cref="CreateExchange"/>.
/// </summary>
public interface IMqttAuthenticator
{
    /// <summary>
    /// The Authentication Method sent in CONNECT, and in every AUTH packet of the exchange [MQTT-4.12.0-5];
    /// e.g. "SCRAM-SHA-256". Matched by the server as a plain UTF-8 string.
    /// </summary>
    string Method { get; }

    /// <summary>Starts one authentication exchange; the caller disposes it when the exchange ends, however it ends.</summary>
    /// <returns>A new exchange that has not produced any data yet.</returns>
    /// <exception cref="ObjectDisposedException">The authenticator has been disposed.</exception>
    IMqttAuthenticationExchange CreateExchange();
}
