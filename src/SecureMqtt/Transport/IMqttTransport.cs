namespace SecureMqtt.Transport;

/// <summary>
/// A way to reach the broker that yields a connected duplex byte stream: TCP, or a layer over it (TLS, TLS-PSK).
/// The MQTT layers above see only the stream, so a new transport slots in without them knowing.
/// </summary>
internal interface IMqttTransport
{
    ValueTask<ConnectedTransport> ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>A connected byte stream plus a neutral description of what the layers under it negotiated.</summary>
internal sealed class ConnectedTransport(Stream stream)
{
    public Stream Stream { get; } = stream;

    /// <summary>What a security layer over TCP negotiated, or null for plain TCP.</summary>
    public NegotiatedSecurity? Security { get; init; }
}

/// <summary>
/// What a security layer (TLS, TLS-PSK) reports about itself, without TCP or MQTT knowing which one it is. The
/// layer that negotiated it is the one that can explain a failure that surfaces only after its handshake.
/// </summary>
internal abstract class NegotiatedSecurity
{
    /// <summary>
    /// Turns a failure on the first read after the handshake (while waiting for CONNACK) into the failure it really
    /// is: under TLS 1.3 a broker rejects a client certificate only after the client's handshake ended. Null when
    /// the failure is not this layer's.
    /// </summary>
    public virtual MqttException? ExplainEarlyFailure(Exception? error) => null;
}
