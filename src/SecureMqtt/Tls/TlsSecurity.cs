using SecureMqtt.Transport;

namespace SecureMqtt.Tls;

/// <summary>What TLS (certificates or PSK) negotiated on one connection, as the transport reports it upwards.</summary>
internal sealed class TlsSecurity(MqttTlsInfo info, Func<Exception?, MqttTlsException?>? explain = null) : NegotiatedSecurity
{
    public MqttTlsInfo Info { get; } = info;

    public override MqttException? ExplainEarlyFailure(Exception? error) => explain?.Invoke(error);
}
