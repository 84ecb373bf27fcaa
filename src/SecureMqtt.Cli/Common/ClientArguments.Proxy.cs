namespace SecureMqtt.Cli.Common;

/// <summary>
/// mosquitto_pub/sub's <c>--proxy URL</c>: <c>socks5h://[user[:password]@]host[:port]</c> as mosquitto 2.0 spells
/// it, and also <c>socks5://</c> and <c>http://</c> (HTTP CONNECT), which libmosquitto does not offer.
/// </summary>
internal sealed partial class ClientArguments
{
    /// <summary>The proxy every connection goes through; null: connect directly.</summary>
    public MqttProxyOptions? Proxy { get; private set; }

    private bool TryParseProxy(string option, ArgumentCursor cursor)
    {
        if (option != "--proxy")
        {
            return false;
        }

        var url = cursor.Value(option, "proxy URL");
        try
        {
            Proxy = MqttProxyOptions.Parse(url);
        }
        catch (ArgumentException ex)
        {
            // The library's message never repeats the password, so it can be shown as it is.
            throw new UsageException($"--proxy: {ex.Message}");
        }

        return true;
    }
}
