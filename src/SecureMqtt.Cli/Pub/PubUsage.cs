using SecureMqtt.Cli.Common;

namespace SecureMqtt.Cli.Pub;

/// <summary>smqtt pub --help.</summary>
internal static class PubUsage
{
    public static string Text => """
smqtt pub publishes a single message (or one per line of input) and exits; its options are mosquitto_pub's.

Usage: smqtt pub {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL}
                 {-f file | -l | -n | -m message | -s}
                 [-c] [-k keepalive] [-q qos] [-r] [--repeat N] [--repeat-delay seconds] [-x session-expiry]
                 [-i id] [-I id_prefix] [-d] [--quiet] [-V protocol-version]
                 [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]
                 [{--cafile file | --capath dir | --tls-use-os-certs} [--cert file --key file | --pkcs12 file]
                   [--tls-version version] [--tls-alpn protocol] [--insecure]]
                 [-D command identifier value]
       smqtt pub --help

 -t : mqtt topic to publish to.
 -m : message payload to send.
 -f : send the contents of a file as the message.
 -s : read message from stdin, sending the entire input as a message.
 -l : read messages from stdin, sending a separate message for each line (pipelined).
 -n : send a null (zero length) message.
 -q : quality of service level to use for all messages. Defaults to 0.
 -r : message should be retained.
 --repeat : if publishing a single message, send it this many times.
 --repeat-delay : seconds to wait between repeats (may be fractional).

Defaults are read first from $XDG_CONFIG_HOME/mosquitto_pub, or ~/.config/mosquitto_pub when XDG_CONFIG_HOME is
unset: one option per line, as mosquitto_pub reads them; the command line adds to them and overrides them.

""" + SharedUsage.Text;
}
