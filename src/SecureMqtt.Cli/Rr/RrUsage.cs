using SecureMqtt.Cli.Common;

namespace SecureMqtt.Cli.Rr;

/// <summary>smqtt rr --help.</summary>
internal static class RrUsage
{
    public static string Text => """
smqtt rr publishes a request and prints the first response; its options are mosquitto_rr's. It defaults to
MQTT v5, where the response topic travels with the request as its Response Topic property.

Usage: smqtt rr {[-h host] [-p port] [-u username] [-P password] -t topic | -L URL} -e response-topic
                {-f file | -m message | -n | -s}
                [-c] [-k keepalive] [-q qos] [-R] [-x session-expiry] [-F format] [--pretty] [-W timeout]
                [-i id] [-I id_prefix] [-d] [-N] [--quiet] [-v] [-V protocol-version]
                [--will-topic [--will-payload payload] [--will-qos qos] [--will-retain]]
                [{--cafile file | --capath dir | --tls-use-os-certs} [--cert file --key file | --pkcs12 file]
                  [--tls-version version] [--tls-alpn protocol] [--insecure]]
                [-D command identifier value]
       smqtt rr --help

 -t : topic where the request message will be sent.
 -e : response topic. The client subscribes to it to wait for the response.
 -m : request payload to send.
 -f : send the contents of a file as the request.
 -s : read the request from stdin, sending the entire input as one message.
 -n : send a null (zero length) request.
 -q : quality of service for the request and the response subscription. Defaults to 0.
 -W : give up after this many seconds without a response (exit status 27, "Timed out").
 -v : print the response verbosely, as "topic payload".
 -N : do not add an end of line character when printing the payload.
 -R : do not take a retained message on the response topic for the response.
 -F : output format, as smqtt sub -F. --pretty : multi-line JSON for %j/%J.

Defaults are read first from $XDG_CONFIG_HOME/mosquitto_rr, or ~/.config/mosquitto_rr when XDG_CONFIG_HOME is
unset, as for smqtt pub.

""" + SharedUsage.Text;
}
