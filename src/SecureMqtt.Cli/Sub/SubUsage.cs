using SecureMqtt.Cli.Common;

namespace SecureMqtt.Cli.Sub;

/// <summary>smqtt sub --help.</summary>
internal static class SubUsage
{
    public static string Text => """
smqtt sub subscribes to topics and prints the messages it receives; its options are mosquitto_sub's.

Usage: smqtt sub {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL [-t topic]}
                 [-c] [-k keepalive] [-q qos] [-x session-expiry-interval]
                 [-C msg_count] [-E] [-R] [--retained-only] [--remove-retained] [--retain-as-published]
                 [-T filter_out] [-U topic ...] [-F format [--pretty]] [-W timeout_secs] [--random-filter chance]
                 [-i id] [-I id_prefix] [-d] [-N] [--quiet] [-v] [-V protocol-version]
                 [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]
                 [{--cafile file | --capath dir | --tls-use-os-certs} [--cert file --key file | --pkcs12 file]
                   [--tls-version version] [--tls-alpn protocol] [--insecure]]
                 [-D command identifier value]
       smqtt sub --help

 -t : mqtt topic to subscribe to. May be repeated multiple times.
 -q : quality of service level to use for the subscription. Defaults to 0.
 -v : print published messages verbosely ("topic payload").
 -N : do not add an end of line character when printing the payload.
 -F : output format (%t topic, %p payload, %q QoS, %r retain, %l length, %m message id, %x/%X hex,
      %I ISO-8601 time, %U Unix time, %j/%J JSON, %A %C %D %E %F %P %R %S MQTT v5 properties,
      @X strftime fields, \n \t \0 \e \\ escapes; see mosquitto_sub(1)).
 --pretty : print the JSON of %j and %J over several lines, indented, as mosquitto_sub does.
 -C : disconnect and exit after receiving msg_count messages.
 -W : stop and exit (status 27) after this many seconds.
 -R : do not print stale messages (those with retain set).
 --retained-only : only print retained messages; exit at the first non-retained one.
 --remove-retained : clear each retained message received (except those filtered out with -T).
 --retain-as-published : keep the retain flag as published (MQTT v5).
 -T : topic filter whose messages are not printed. May be repeated.
 -U : unsubscribe from a topic. May be repeated.
 -E : exit once all subscriptions have been acknowledged by the broker.
 --random-filter : print only this percentage of the messages received.

Defaults are read first from $XDG_CONFIG_HOME/mosquitto_sub, or ~/.config/mosquitto_sub when XDG_CONFIG_HOME is
unset: one option per line, as mosquitto_sub reads them; the command line adds to them and overrides them.

""" + SharedUsage.Text;
}
