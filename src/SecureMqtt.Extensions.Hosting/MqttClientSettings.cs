using System.Threading.Channels;

namespace SecureMqtt.Extensions.Hosting;

// The shape of a client's configuration section. MqttClientOptions is an immutable record whose nested records,
// TimeSpans and enums do not bind well (a bare "30" would be read as thirty days), so configuration binds to these
// plain classes first, and MqttClientSettings.Apply turns them into options with a message per wrong value that
// names its key. The names are the options' own, so a validator message about "Tls.CaFile" maps to the key "Tls:CaFile".
// Every value is nullable: a key that is absent leaves the library's default (or an earlier delegate's value) alone.

/// <summary>The keys of a client's section (see docs/hosting.md).</summary>
internal sealed partial class MqttClientSettings
{
    public string? Host { get; set; }

    public int? Port { get; set; }

    public List<string>? Servers { get; set; }

    public string? ClientId { get; set; }

    public string? ProtocolVersion { get; set; }

    public bool? CleanStart { get; set; }

    public string? KeepAlive { get; set; }

    public string? SessionExpiry { get; set; }

    public string? ConnectTimeout { get; set; }

    public string? DisconnectTimeout { get; set; }

    public MqttCredentialsSettings? Credentials { get; set; }

    public MqttTlsSettings? Tls { get; set; }

    public MqttReconnectSettings? Reconnect { get; set; }

    public MqttOfflineQueueSettings? OfflineQueue { get; set; }

    public ushort? ReceiveMaximum { get; set; }

    public ushort? MaximumOutgoingInFlight { get; set; }

    public uint? MaximumPacketSize { get; set; }

    public int? MaximumTopicLength { get; set; }

    public ushort? TopicAliasMaximum { get; set; }

    public bool? UseOutgoingTopicAliases { get; set; }

    public bool? RequestProblemInformation { get; set; }

    public bool? RequestResponseInformation { get; set; }

    public int? OutputBufferSize { get; set; }

    public int? IncomingMessageChannelCapacity { get; set; }

    public int? IncomingMessageBufferSize { get; set; }

    public BoundedChannelFullMode? IncomingMessageFullMode { get; set; }

    public bool? AcknowledgeAfterHandlers { get; set; }

    /// <summary>Not an option of the client but of the host: <see cref="MqttHostedClientOptions.ConnectOnStart"/>.</summary>
    public bool? ConnectOnStart { get; set; }
}

/// <summary>Credentials:UserName and Credentials:Password.</summary>
internal sealed class MqttCredentialsSettings
{
    public string? UserName { get; set; }

    public string? Password { get; set; }
}

/// <summary>The Tls section; any key in it turns TLS on, and Enabled says so explicitly (or turns it off).</summary>
internal sealed class MqttTlsSettings
{
    public bool? Enabled { get; set; }

    public string? CaFile { get; set; }

    public string? TargetHost { get; set; }

    public string? ClientCertificateFile { get; set; }

    public string? ClientKeyFile { get; set; }

    public string? ClientKeyPassphrase { get; set; }

    public string? Pkcs12File { get; set; }

    public string? Pkcs12Password { get; set; }

    public string? MinimumVersion { get; set; }

    public List<string>? ApplicationProtocols { get; set; }

    public bool? CheckCertificateRevocation { get; set; }

    public bool? AllowUntrustedServerCertificate { get; set; }

    public List<string>? PinnedPublicKeys { get; set; }

    public bool? PinOnly { get; set; }

    public string? CrlFile { get; set; }

    public bool? AllowWeakServerCertificates { get; set; }

    public string? HandshakeTimeout { get; set; }

    public bool? AllowSessionResumption { get; set; }
}

/// <summary>The Reconnect section.</summary>
internal sealed class MqttReconnectSettings
{
    public bool? Enabled { get; set; }

    public bool? RetryFirstConnect { get; set; }

    public string? InitialDelay { get; set; }

    public string? MaximumDelay { get; set; }

    public double? Jitter { get; set; }

    public bool? Resubscribe { get; set; }

    public int? MaximumAttempts { get; set; }

    public bool? FollowServerReferences { get; set; }
}

/// <summary>The OfflineQueue section.</summary>
internal sealed class MqttOfflineQueueSettings
{
    public int? MaximumMessages { get; set; }

    public long? MaximumBytes { get; set; }

    public MqttOfflineQueueFullMode? FullMode { get; set; }

    public bool? DropAtMostOnce { get; set; }
}
