using SecureMqtt.Packets;

namespace SecureMqtt.Engine;

internal sealed partial class MqttConnectionSupervisor
{
    /// <summary>DISCONNECT with everything MQTT 5 lets a client say, checked before anything is sent.</summary>
    public Task DisconnectAsync(MqttDisconnectOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.UserProperties);
        uint? expiry = null;
        if (options.SessionExpiry is { } sessionExpiry)
        {
            if (sessionExpiry < TimeSpan.Zero || sessionExpiry.TotalSeconds > uint.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(options), sessionExpiry, "SessionExpiry must be between 0 and 4294967295 seconds.");
            }

            expiry = (uint)sessionExpiry.TotalSeconds;
            if (expiry > 0 && Options.SessionExpiry == TimeSpan.Zero)
            {
                // [MQTT-3.14.2-2]: a session that was to end with the connection cannot be given a lifetime now.
                throw new ArgumentException("The Session Expiry Interval was 0 at CONNECT, so DISCONNECT must not set a non-zero one [MQTT-3.14.2-2].", nameof(options));
            }
        }

        if (Options.ProtocolVersion != MqttProtocolVersion.V500
            && (options.ReasonString is not null || expiry is not null || options.ReasonCode != MqttReasonCode.NormalDisconnection))
        {
            throw new ArgumentException("Reason code, reason string and session expiry of DISCONNECT are MQTT 5 features.", nameof(options));
        }

        return DisconnectAsync(options.ReasonCode, options.UserProperties, cancellationToken, options.ReasonString, expiry);
    }
}
