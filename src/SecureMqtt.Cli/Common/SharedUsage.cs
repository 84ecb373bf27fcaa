namespace SecureMqtt.Cli.Common;

/// <summary>The --help lines for the options pub and sub share, in mosquitto's words where they fit.</summary>
internal static class SharedUsage
{
    public const string Text = """
 -h : mqtt host to connect to. Defaults to localhost.
 -p : network port to connect to. Defaults to 1883 for plain MQTT and 8883 for MQTT over TLS.
 -L : specify user, password, hostname, port and topic as a URL: mqtt(s)://[username[:password]@]host[:port]/topic
      ws:// and wss:// (default ports 80 and 443) mean MQTT over WebSocket; the URL's path is still the topic.
 --ws-path : the WebSocket path for a ws:// or wss:// -L URL. Defaults to /mqtt.
 --ws-header : an extra header for the WebSocket upgrade request, 'Name: value' (repeatable).
 -i : id to use for this client. Defaults to smqtt_<tool>_ appended with the process id.
 -I : define the client id as id_prefix appended with the process id.
 -u : provide a username.
 -P : provide a password.
 -k : keep alive in seconds for this client. Defaults to 60.
 -V : MQTT protocol version: mqttv5, mqttv311, 5 or 311. Defaults to mqttv311 (as mosquitto).
 -c : disable clean session/enable persistent client mode (needs -i).
 -x : session expiry interval in seconds (MQTT v5); -1 means never.
 -d : print packet-level debug messages (as the client sends and receives them).
 --auth-method : MQTT v5 enhanced authentication: SCRAM-SHA-256 or SCRAM-SHA-512, with -u and -P as the SCRAM
                 user name and password (they are then not sent in CONNECT). Also -D connect authentication-method.
 --auth-data : refused with the SCRAM methods, whose data is computed from -u and -P.
 -D : define an MQTT v5 property: -D command identifier value (see docs/cli.md for what is supported).
 -M : the maximum inflight messages for QoS 1/2 (pub -l and --repeat).
 -S : use DNS SRV lookups (_mqtt._tcp.<host>, _secure-mqtt._tcp.<host> with TLS) to find the broker;
      the resolver is /etc/resolv.conf's, or SMQTT_DNS_SERVER=address[:port].
 --quiet : don't print error messages.
 --nodelay : accepted; SecureMqtt always disables Nagle's algorithm.
 --will-topic, --will-payload, --will-qos, --will-retain : the client's will message.
 --cafile : file with the CA certificates (PEM) that issued the broker's certificate. Turns TLS on.
 --capath : directory of CA certificates (PEM), read into memory (no bundle file). Turns TLS on.
 --tls-use-os-certs : trust the operating system's CA certificates. Turns TLS on.
 --cert, --key : client certificate and private key (PEM) for mutual TLS. An encrypted key's passphrase
                 comes from SMQTT_KEY_PASSPHRASE, else it is asked for on the terminal.
 --pkcs12 : PKCS#12 file (.p12/.pfx) with the client certificate, its key and intermediates, instead of
            --cert/--key. Its passphrase comes from SMQTT_KEY_PASSPHRASE, else it is asked for on the terminal.
 --keyform : pem (engine is not supported).
 --tls-version : lowest TLS version: tlsv1.3 or tlsv1.2 (default).
 --tls-alpn : ALPN protocol to offer (repeatable).
 --insecure : do not check that the server certificate's host name matches (the chain is still verified).
 --psk, --psk-identity : TLS-PSK: hex key and identity, instead of certificates.
 --psk-impl : which TLS carries --psk: auto (default: the system OpenSSL 3 where it loads, else managed),
              openssl or managed (BouncyCastle, any platform, no session resumption).
 --pin : trust the broker's public key sha256/<base64> (as smqtt certs inspect prints it; repeatable for
         key rotation). With --cafile/--capath/--tls-use-os-certs the chain must verify too; without them the
         pin replaces CA verification (the broker's own key must match; dates are still checked). Turns TLS on.
 --crlfile : CRL file (PEM or DER) the broker's certificate is checked against. Turns TLS on.
 --store : session store file (SQLite) for this client (needs -i): QoS 1/2 messages accepted and not yet
           acknowledged survive a crash and are sent by the next run with the same -i and --store.
 --proxy : (pub, sub, rr, doctor) tunnel the connection through a proxy: socks5h://[username[:password]@]hostname[:port]
           (as mosquitto), socks5://... or http://[username[:password]@]hostname[:port] (HTTP CONNECT).
           TLS still runs end to end to the broker and verifies the broker's name.
 --help : display this message.

Not supported (an error says why): -A, --unix, --ciphers, --tls-engine, --tls-engine-kpass-sha1, -V mqttv31.
""";
}
