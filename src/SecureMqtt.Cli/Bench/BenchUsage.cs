using SecureMqtt.Cli.Common;

namespace SecureMqtt.Cli.Bench;

/// <summary>smqtt bench --help.</summary>
internal static class BenchUsage
{
    public static string Text => """
smqtt bench loads a broker as emqtt-bench does: many clients publishing, subscribing or just connecting, with a
live progress line on a terminal and a summary (or one JSON line) at the end. Connection, authentication and TLS
options are pub's; -c, -I and -L are the bench's (not clean session, id prefix and URL).

Usage: smqtt bench pub  [-c clients] [-I interval-ms] [-L count] [-q qos] [-s bytes] [-t topic] [-M inflight]
       smqtt bench sub  [-c clients] [-I interval-ms] [-L count] [-q qos] [-t filter]
       smqtt bench conn [-c clients] [-I interval-ms] [--warmup n] [--tls-resume]
       smqtt bench tput [-L count] [-q qos] [-s bytes] [-t topic] [-M inflight]
       smqtt bench lat  [-L round-trips] [-q qos] [-s bytes] [-t topic-prefix] [--warmup n] [--self]
                        [--duration seconds] [--json] [--broker-pid pid] [pub's connection and TLS options]

 -c : clients, each with its own connection. Defaults to 1.
 -I : pub: milliseconds between one client's messages (0: as fast as -M in flight allows). Defaults to 1000.
      sub and conn: milliseconds between starting clients. Defaults to 0.
 -L : pub: messages each client publishes; sub: messages received in all before stopping. 0 (the default): no limit.
 -q : QoS of the messages (pub) or the subscription (sub). Defaults to 0.
 -s : payload size in bytes. Defaults to 256. From 12 bytes up a payload carries the send time, for sub's latency.
 -t : pub: topic, %i is the client's number (default bench/%i); sub: topic filter (default bench/#).
 -M : pub: QoS 1/2 messages each client keeps in flight when -I is 0. Defaults to 100.
 -i : client id; each client appends _<number>. Defaults to smqtt_bench_<mode>_<pid>.
 --warmup : conn: connects made and closed one at a time before the measured ones (JIT, the broker's caches). Defaults to 0.
 --tls-resume : conn: clients may resume the TLS session the broker gave an earlier one (as one client's reconnects do).
          Without it every connect is a full handshake, as from separate devices.
 --duration : stop after this many seconds (conn: hold the connections that long). Without it, -L or Ctrl-C ends.
 --json : print one JSON line at the end: msgs_per_s, p50_us, p90_us, p99_us, connect_ms (median), cpu_s_per_100k,
          alloc_bytes_per_msg, peak_rss_mb, errors, and broker_cpu_pct with --broker-pid; conn adds
          warmup, tls_resume, connect_duration_s, connects_per_s, rss_before_mb, rss_connected_mb and rss_kb_per_connection.
 --broker-pid : the broker's process id on this machine, to report its CPU share (from /proc/PID/stat).

tput: one subscriber, then one publisher sending -L messages (default 100000, -s 64); the clock runs from the
first publish to the last message received; lost is sent minus received after a quiet second.
lat: one round trip at a time: ping on <topic>/ping, a separate responder answers on <topic>/pong (--self: the
pinger receives its own ping); -L round trips (default 10000) after --warmup ones (default 100).
-c and -I are not theirs; -t defaults to bench/<client id>.

Latency: pub, publish to PUBACK (QoS 1) or PUBCOMP (QoS 2); at QoS 0 only until the client has buffered it. sub,
from the stamp a bench publisher wrote to arrival (same machine: one clock). conn, TCP + TLS + CONNECT/CONNACK.
A lost connection, a refused subscription or publish, and a failed connect count as errors; the exit status is 1
when there was any.

""" + SharedUsage.Text;
}
