namespace SecureMqtt;

/// <summary>Which TLS implementation carries a TLS-PSK connection (<see cref="MqttTlsOptions.PreSharedKey"/>).</summary>
public enum MqttPskImplementation
{
    /// <summary>The system OpenSSL 3 where it loads (Linux with libssl.so.3), the managed implementation everywhere else.</summary>
    Auto,

    /// <summary>Only the system OpenSSL 3; where it is missing the connect fails with <see cref="MqttTlsFailureKind.PlatformNotSupported"/>.</summary>
    OpenSsl,

    /// <summary>The managed implementation (BouncyCastle), on every platform; it does not resume sessions.</summary>
    Managed,
}
