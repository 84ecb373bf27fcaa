namespace SecureMqtt.Cli.Common;

/// <summary>mosquitto_pub/sub's -M (maximum in flight) and -S (DNS SRV lookup of the broker).</summary>
internal sealed partial class ClientArguments
{
    /// <summary>-M: the most QoS 1/2 publishes outstanding at once (pub -l and --repeat); null without it.</summary>
    public int? MaxInflight { get; private set; }

    /// <summary>-S: find the broker through the SRV records of -h's domain instead of connecting to -h itself.</summary>
    public bool UseSrv { get; private set; }

    /// <summary>
    /// The SRV name -S looks up: <c>_secure-mqtt._tcp.HOST</c> with TLS, <c>_mqtt._tcp.HOST</c> without, as
    /// libmosquitto's mosquitto_connect_srv chooses.
    /// </summary>
    public string SrvName => (Tls.Enabled ? "_secure-mqtt._tcp." : "_mqtt._tcp.") + Host;

    private bool TryParseParity(string option, ArgumentCursor cursor)
    {
        switch (option)
        {
            case "-M":
                var text = cursor.Value(option, "max inflight");
                if (!int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 1)
                {
                    // mosquitto_pub's words, for 0, negative and unparsable values alike.
                    throw new UsageException("Maximum inflight messages must be greater than 0.");
                }

                MaxInflight = value;
                return true;
            case "-S":
                UseSrv = true;
                return true;
            default:
                return false;
        }
    }
}
