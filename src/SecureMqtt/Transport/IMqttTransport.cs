namespace SecureMqtt.Transport;

/// <summary>
/// A way to reach the broker that yields a connected duplex byte stream: TCP, TLS over TCP, or (later) TLS-PSK
/// over TCP. The MQTT layers above see only the stream, so a new transport slots in without them knowing.
/// </summary>
internal interface IMqttTransport
{
    ValueTask<MqttTransportConnection> ConnectAsync(CancellationToken cancellationToken);
}

/// <summary>A connected byte stream plus what the transport learned while connecting.</summary>
internal sealed class MqttTransportConnection(Stream stream)
{
    public Stream Stream { get; } = stream;

    /// <summary>What TLS negotiated, when the transport is TLS.</summary>
    public MqttTlsInfo? TlsInfo { get; init; }

    /// <summary>
    /// Turns a failure on the first read after the handshake (while waiting for CONNACK) into the TLS failure it
    /// really is: under TLS 1.3 a broker rejects a client certificate only after the client's handshake ended.
    /// Returns null when the failure is not a TLS one.
    /// </summary>
    public Func<Exception?, MqttTlsException?> ExplainEarlyFailure { get; init; } = static _ => null;
}
