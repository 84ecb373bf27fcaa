#!/usr/bin/env bash
# Regenerates the README's performance table in one run against one throwaway Mosquitto (TLS 1.3 forced on the TLS
# listeners, plain TCP beside it), 64-byte payloads, every case run once per round and the rounds interleaved, so a
# machine whose speed drifts slows every column alike; each figure is the median over the rounds.
#   smqtt bench tput -q 0/1     msg/s received, client CPU s per 100k (publisher and subscriber), broker CPU %
#   mosquitto_pub -l -> mosquitto_sub -C N, same payloads from a file, same figures (both C clients' CPU)
#   smqtt bench lat -q 0/1      round trip p50/p99 through a separate responder
#   smqtt bench conn            median connect over TLS and mutual TLS, one full handshake at a time; mutual TLS
#                               once more with --tls-resume (a reconnect's resumed handshake)
#   smqtt pub vs mosquitto_pub  one process per message, QoS 1 over TLS, wall time
# Prints a Markdown table, then one line per row saying what limits that figure (from the CPU shares measured).
# Usage: scripts/perf-table.sh
#        RUNS=5 COUNT=100000 LAT_COUNT=3000 ONESHOT=5 TRANSPORTS="tls tcp" SMQTT_BUILD=native|jit scripts/perf-table.sh
# smqtt: the native binary, built by the script from this tree (scripts/build-native.sh, about 2 minutes), for every
# row; SMQTT_BUILD=jit measures the JIT Release build instead. The table says which.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
runs=${RUNS:-3}
count=${COUNT:-100000}
lat_count=${LAT_COUNT:-3000}
oneshot=${ONESHOT:-5}
transports=${TRANSPORTS:-tls tcp}
size=64
source "$root/scripts/lib/broker.sh"

fail() {
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 20 "$2" >&2
  echo "perf-table: FAILED: $1" >&2
  exit 1
}
command -v mosquitto_pub >/dev/null && command -v mosquitto_sub >/dev/null || fail "mosquitto clients missing (bash scripts/ensure-mosquitto.sh)"
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing (apt-get install time)"
broker_find || fail "mosquitto is not installed (bash scripts/ensure-mosquitto.sh)"

broker_init smqtt-perf
work=$BROKER_WORK
dotnet build "$root/src/SecureMqtt.Cli" -c Release -nologo -v quiet >"$work/build.log" 2>&1 || fail "dotnet build of smqtt failed" "$work/build.log"
smqtt="$root/src/SecureMqtt.Cli/bin/Release/net10.0/smqtt"
# The smqtt measured: the native binary, built here from this tree, as the C clients are native code. A JIT process
# spends its first seconds compiling (tiering and PGO took ~2 s of CPU in a 100,000-message run, which a long-running
# application pays once); SMQTT_BUILD=jit measures the JIT build instead, the connects after 300 warm-up ones.
kind=${SMQTT_BUILD:-native}
if [ "$kind" = native ]; then
  NATIVE_OUT="$work/native" bash "$root/scripts/build-native.sh" >"$work/native.log" 2>&1 || fail "scripts/build-native.sh failed" "$work/native.log"
  bench_smqtt="$work/native/smqtt" conn_warmup=1
  conn_note="the native binary, no code to compile"
else
  kind=JIT bench_smqtt=$smqtt conn_warmup=300
  conn_note="the JIT build after 300 warm-up connects (without them the connects time the compiler)"
fi

broker_free_ports 3 || fail "no three free loopback ports found"
plain=${BROKER_PORTS[0]} tls=${BROKER_PORTS[1]} mtls=${BROKER_PORTS[2]}
pki="$work/pki"
broker_certs "$pki" "$smqtt" -- bench || fail "smqtt certs failed" "$pki/certs.log"
# The e2e bench's limits: Mosquitto's defaults (1000 queued, 20 in flight) drop messages for a subscriber that falls
# behind for a moment, and every message must arrive to be timed.
cat >"$work/mosquitto.conf" <<CONF
per_listener_settings true
persistence false
max_queued_messages 0
max_inflight_messages 0
log_dest file $work/broker.log
log_type error
log_type warning
log_type subscribe
$(broker_root_user)
listener $plain 127.0.0.1
allow_anonymous true
listener $tls 127.0.0.1
cafile $pki/ca.crt
certfile $pki/server.crt
keyfile $pki/server.key
tls_version tlsv1.3
allow_anonymous true
listener $mtls 127.0.0.1
cafile $pki/ca.crt
certfile $pki/server.crt
keyfile $pki/server.key
tls_version tlsv1.3
require_certificate true
use_identity_as_username true
CONF
broker_start "$work/mosquitto.conf" "$plain" "$tls" "$mtls" || fail "mosquitto did not start" "$work/mosquitto.out"
broker=$BROKER_PID

opts() { # opts TRANSPORT: the connection options for it
  case $1 in
    tcp) echo "-h localhost -p $plain" ;;
    tls) echo "-h localhost -p $tls --cafile $pki/ca.crt" ;;
    mtls) echo "-h localhost -p $mtls --cafile $pki/ca.crt --cert $pki/bench.crt --key $pki/bench.key" ;;
  esac
}
field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p"; } # field KEY < JSON line: the number (nothing when null)
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
broker_ticks() { awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$broker/stat"; }

# 64-byte lines for mosquitto_pub -l: the same payload size as smqtt's -s 64.
payload=$(printf 'x%.0s' $(seq 1 $size))
yes "$payload" | head -n "$count" >"$work/lines.txt"

bench() { # bench NAME ARGS...: one smqtt bench run, its JSON line appended to $work/NAME
  local name=$1
  shift
  timeout 300 "$bench_smqtt" bench "$@" --json >>"$work/$name" 2>"$work/$name.err" \
    || fail "smqtt bench $* exited with $?" "$work/$name.err"
}

cpair() { # cpair TRANSPORT QOS ROUND: mosquitto_pub -l -> mosquitto_sub -C N; appends "rate client_cpu_s broker_pct arrived"
  local transport=$1 qos=$2 round=$3 topic="cbench/$1/$2/$3"
  local -a o
  read -ra o <<<"$(opts "$transport")"
  /usr/bin/time -f "%U %S" -o "$work/sub.time" mosquitto_sub "${o[@]}" -t "$topic" -q "$qos" -C "$count" -W 60 >"$work/sub.out" 2>"$work/sub.err" &
  local sub=$!
  # Subscribed once the broker logs the topic; a message published before that would be lost.
  for _ in $(seq 1 200); do
    grep -q "$topic" "$work/broker.log" 2>/dev/null && break
    sleep 0.05
  done
  local ticks0 t0 t1 ticks1
  ticks0=$(broker_ticks)
  t0=$EPOCHREALTIME
  # stdin stays open until the subscriber has everything: at the end of its input mosquitto_pub -l exits with QoS 1
  # messages still unsent (a third of 100,000 arrived in a run that closed it at once).
  { cat "$work/lines.txt"; while kill -0 "$sub" 2>/dev/null; do sleep 0.05; done; } |
    /usr/bin/time -f "%U %S" -o "$work/pub.time" mosquitto_pub "${o[@]}" -t "$topic" -q "$qos" -l 2>"$work/pub.err" &
  local pub=$!
  wait "$sub"
  t1=$EPOCHREALTIME
  ticks1=$(broker_ticks)
  wait "$pub"
  local arrived
  arrived=$(wc -l <"$work/sub.out")
  awk -v t0="$t0" -v t1="$t1" -v k0="$ticks0" -v k1="$ticks1" -v n="$arrived" -v want="$count" \
    -v pt="$(tail -n 1 "$work/pub.time")" -v st="$(tail -n 1 "$work/sub.time")" 'BEGIN {
      split(pt, p, " "); split(st, s, " "); wall = t1 - t0
      printf "%.1f %.4f %.1f %d\n", n / wall, (p[1] + p[2] + s[1] + s[2]) * 100000 / want, (k1 - k0) / wall, n }' \
    >>"$work/c-$transport-$qos"
}

oneshot_run() { # oneshot_run FILE COMMAND...: appends the wall time in ms, or fails
  local file=$1 start status
  shift
  start=$EPOCHREALTIME
  "$@" >/dev/null 2>"$work/oneshot.err"
  status=$?
  [ "$status" -eq 0 ] || fail "$* exited with $status" "$work/oneshot.err"
  awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", (e - s) * 1000 }' >>"$file"
}

load_start=$(cut -d ' ' -f 1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
read -ra tls_opts <<<"$(opts tls)"
read -ra mtls_opts <<<"$(opts mtls)"
# Warm-up, not counted: the first TLS handshakes and the broker's first allocations.
"$bench_smqtt" bench tput "${tls_opts[@]}" -L 2000 -q 1 --json >/dev/null 2>&1
for round in $(seq 1 "$runs"); do
  echo "perf-table: round $round of $runs" >&2
  for transport in $transports; do
    read -ra o <<<"$(opts "$transport")"
    for qos in 0 1; do
      bench "tput-$transport-$qos" tput "${o[@]}" -L "$count" -q "$qos" -s "$size" --broker-pid "$broker"
      cpair "$transport" "$qos" "$round"
      bench "lat-$transport-$qos" lat "${o[@]}" -L "$lat_count" -q "$qos" -s "$size" --broker-pid "$broker"
    done
  done
  # One handshake at a time (-I 25 ms apart), so the median is a handshake, not a queue of them. Full handshakes
  # (bench conn's default: no client resumes another's TLS session), then mutual TLS resuming, as a reconnect does.
  bench conn-tls conn "${tls_opts[@]}" -c 20 -I 25 --duration 0 --warmup "$conn_warmup"
  bench conn-mtls conn "${mtls_opts[@]}" -c 20 -I 25 --duration 0 --warmup "$conn_warmup"
  bench conn-mtls-resumed conn "${mtls_opts[@]}" -c 20 -I 25 --duration 0 --warmup "$conn_warmup" --tls-resume
  for _ in $(seq 1 "$oneshot"); do
    oneshot_run "$work/oneshot-smqtt" "$bench_smqtt" pub "${tls_opts[@]}" -t bench/oneshot -q 1 -m hello
    oneshot_run "$work/oneshot-mosq" mosquitto_pub "${tls_opts[@]}" -t bench/oneshot -q 1 -m hello
  done
done
load_end=$(cut -d ' ' -f 1-3 /proc/loadavg)

med() { field "$2" <"$work/$1" | median; }           # med FILE KEY: median of a JSON key over the rounds
cmed() { awk -v c="$2" '{ print $c }' "$work/$1" | median; } # cmed FILE COLUMN: median of a C-pair column
pct_client() { awk -v c="$1" -v r="$2" 'BEGIN { printf "%.0f", c * r / 1000 }'; } # CPU s per 100k x msg/s -> % of a core
fmt() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.0f\n", v }' | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; } # 12,345

# limit CLIENT_PCT BROKER_PCT QOS: what held a throughput row back, from where the CPU went.
cores=$(nproc)
limit() {
  awk -v c="$1" -v b="$2" -v q="$3" -v cores="$cores" 'BEGIN {
    if (c + b >= 90 * cores) printf "CPU-bound: client %.0f%% + broker %.0f%% of a core fill the %d cores", c, b, cores
    else if (b >= 90) printf "broker-bound: Mosquitto (one thread) at %.0f%% of a core, client at %.0f%%", b, c
    else if (c >= 90 && c > b) printf "client-bound: client at %.0f%% of a core, broker at %.0f%%", c, b
    else if (q == 1) printf "round-trip-bound: neither process at a full core (client %.0f%%, broker %.0f%%); the publisher waits for PUBACKs", c, b
    else printf "neither process at a full core (client %.0f%%, broker %.0f%%): hand-offs between threads and processes, or other jobs on the shared machine", c, b }'
}

rows=()
limits=()
for transport in $transports; do
  name=$([ "$transport" = tls ] && echo "TLS 1.3" || echo "TCP")
  for qos in 0 1; do
    rate=$(med "tput-$transport-$qos" msgs_per_s)
    cpu=$(med "tput-$transport-$qos" cpu_s_per_100k)
    bcpu=$(med "tput-$transport-$qos" broker_cpu_pct)
    lost=$(field lost <"$work/tput-$transport-$qos" | sort -g | tail -n 1)
    crate=$(cmed "c-$transport-$qos" 1)
    ccpu=$(cmed "c-$transport-$qos" 2)
    cbcpu=$(cmed "c-$transport-$qos" 3)
    carrived=$(cmed "c-$transport-$qos" 4)
    cnote=""
    [ "${carrived%.*}" -lt "$count" ] && cnote=", only ${carrived%.*} of $count arrived (median)"
    rows+=("| $name, QoS $qos throughput, msg/s (client CPU s per 100k; broker CPU) | $(fmt "$rate") ($cpu s; $bcpu%)$([ "${lost:-0}" != 0 ] && echo ", lost up to $lost") | $(fmt "$crate") ($ccpu s; $cbcpu%)$cnote |")
    limits+=("$name QoS $qos throughput: SecureMqtt $(limit "$(pct_client "$cpu" "$rate")" "$bcpu" "$qos"); mosquitto clients $(limit "$(pct_client "$ccpu" "$crate")" "$cbcpu" "$qos")")
  done
done
for transport in $transports; do
  name=$([ "$transport" = tls ] && echo "TLS 1.3" || echo "TCP")
  for qos in 0 1; do
    p50=$(med "lat-$transport-$qos" p50_us)
    p99=$(med "lat-$transport-$qos" p99_us)
    rt=$(med "lat-$transport-$qos" cpu_us_per_round_trip)
    bl=$(med "lat-$transport-$qos" broker_cpu_pct)
    rows+=("| $name, QoS $qos round trip through a responder, p50 / p99 µs | $(fmt "$p50") / $(fmt "$p99") | - |")
    limits+=("$name QoS $qos round trip: one at a time, two passes through the broker; $(awk -v c="$rt" -v p="$p50" -v b="$bl" 'BEGIN {
      if (c >= p) printf "client-bound: the two clients spend %.0f µs of CPU per round trip (all threads), as much as the p50 of %.0f µs; broker at %.0f%% of a core", c, p, b
      else printf "latency-bound: the clients spend %.0f µs of CPU of the %.0f µs p50, the broker sits at %.0f%% of a core; the rest is wake-ups and loopback", c, p, b }'); the p99 is scheduling on the shared machine")
  done
done
rows+=("| connect, TCP + full TLS 1.3 handshake + CONNECT/CONNACK, median ms | $(med conn-tls connect_ms) | - |")
limits+=("connect over TLS: one full handshake at a time (25 ms apart, no TLS session shared between the clients): the TLS 1.3 key exchange and the server certificate's verification, plus three loopback round trips; $conn_note")
rows+=("| connect, mutual TLS, full handshake, median ms | $(med conn-mtls connect_ms) | - |")
limits+=("connect over mutual TLS: as TLS, plus the client's certificate signature and the broker's verification of it")
rows+=("| connect, mutual TLS resuming the session (a reconnect), median ms | $(med conn-mtls-resumed connect_ms) | - |")
limits+=("resumed mutual TLS: Mosquitto takes the TLS 1.3 ticket, so neither side sends or verifies a certificate; the ECDHE exchange (psk_dhe_ke) still runs")
smqtt_ms=$(median <"$work/oneshot-smqtt")
mosq_ms=$(median <"$work/oneshot-mosq")
rows+=("| one \`pub\` process, QoS 1 over TLS 1.3, wall ms | $smqtt_ms | $mosq_ms |")
limits+=("one-shot pub: process start-up and one TLS connect; $([ "$kind" = JIT ] && echo "this is the JIT build, which starts the .NET runtime and compiles its code first" || echo "the native binary has no runtime to start or code to compile")")

echo "Measured $started by scripts/perf-table.sh ($kind smqtt): median of $runs interleaved rounds, $count messages per throughput run, $lat_count round trips per latency run, $((runs * oneshot)) one-shot pairs; $size-byte payloads; Mosquitto $("$BROKER_MOSQUITTO" -h 2>/dev/null | sed -n 's/^mosquitto version //p' | head -n 1) on loopback; $cores cores, load average $load_start at the start, $load_end at the end."
echo
echo "| figure | SecureMqtt | mosquitto_pub / mosquitto_sub |"
echo "|---|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "What limits each figure:"
echo
printf -- '- %s\n' "${limits[@]}"
