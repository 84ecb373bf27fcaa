#!/usr/bin/env bash
# One `smqtt pub` against one `mosquitto_pub`, the way scripts and cron jobs run them: a whole process per message,
# QoS 1, to a throwaway Mosquitto on free loopback ports, over plain TCP, TLS and mutual TLS. The two run in turn
# (A B A B ...) after a warm-up, and each pair gives a ratio, so a machine whose speed drifts still compares fairly.
# Prints, per transport, the median wall time of each, the median of the pair ratios, and the median CPU time
# (user + system, from /usr/bin/time: 10 ms resolution). Quoted in docs/performance.md.
# Usage: scripts/startup-bench.sh                    the native binary in artifacts/native (scripts/build-native.sh)
#        SMQTT=src/SecureMqtt.Cli/bin/Release/net10.0/smqtt RUNS=11 scripts/startup-bench.sh   (the JIT build)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
smqtt="${SMQTT:-$root/artifacts/native/smqtt}"
runs="${RUNS:-21}"
[ -x "$smqtt" ] || { echo "startup-bench: no smqtt at $smqtt (run scripts/build-native.sh)" >&2; exit 1; }
command -v mosquitto_pub >/dev/null || { echo "startup-bench: mosquitto_pub is missing (scripts/ensure-mosquitto.sh)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "startup-bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

source "$root/scripts/lib/broker.sh"
broker_init smqtt-startup
work=$BROKER_WORK
broker_free_ports 3 || { echo "startup-bench: no three free loopback ports found" >&2; exit 1; }
plain=${BROKER_PORTS[0]} tls=${BROKER_PORTS[1]} mtls=${BROKER_PORTS[2]}

pki="$work/pki"
broker_certs "$pki" "$smqtt" -- bench || { cat "$pki/certs.log" >&2; echo "startup-bench: smqtt certs failed" >&2; exit 1; }
cat >"$work/mosquitto.conf" <<CONF
per_listener_settings true
persistence false
log_dest file $work/broker.log
$(broker_root_user)
listener $plain 127.0.0.1
allow_anonymous true
listener $tls 127.0.0.1
cafile $pki/ca.crt
certfile $pki/server.crt
keyfile $pki/server.key
allow_anonymous true
listener $mtls 127.0.0.1
cafile $pki/ca.crt
certfile $pki/server.crt
keyfile $pki/server.key
require_certificate true
use_identity_as_username true
CONF
broker_start "$work/mosquitto.conf" "$plain" "$tls" "$mtls" \
  || { cat "$work/mosquitto.out" >&2; echo "startup-bench: mosquitto did not start" >&2; exit 1; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# timed FILE COMMAND...: appends "wall_ms cpu_ms exit" for one run.
timed() {
  local file=$1
  shift
  local start=$EPOCHREALTIME
  /usr/bin/time -f "%U %S" -o "$work/time" "$@" >/dev/null 2>"$work/stderr"
  local status=$?
  local end=$EPOCHREALTIME
  local cpu
  cpu=$(awk '{ printf "%.0f", ($1 + $2) * 1000 }' "$work/time" 2>/dev/null | tail -n 1)
  awk -v s="$start" -v e="$end" -v c="$cpu" -v x="$status" 'BEGIN { printf "%.2f %s %s\n", (e - s) * 1000, c, x }' >>"$file"
}

printf '%-10s %8s %16s %8s %10s %18s %s\n' transport "smqtt ms" "mosquitto_pub ms" "ratio" "smqtt cpu" "mosquitto_pub cpu" "(medians of $runs runs each, in turn)"
for transport in plain tls mtls; do
  case $transport in
    plain) opts=(-h localhost -p "$plain") ;;
    tls) opts=(-h localhost -p "$tls" --cafile "$pki/ca.crt") ;;
    mtls) opts=(-h localhost -p "$mtls" --cafile "$pki/ca.crt" --cert "$pki/bench.crt" --key "$pki/bench.key") ;;
  esac
  a=("$smqtt" pub "${opts[@]}" -t bench/startup -q 1 -m hello)
  b=(mosquitto_pub "${opts[@]}" -t bench/startup -q 1 -m hello)
  : >"$work/a" && : >"$work/b"
  timed "$work/warm" "${a[@]}" && timed "$work/warm" "${b[@]}"
  for _ in $(seq 1 "$runs"); do
    timed "$work/a" "${a[@]}"
    timed "$work/b" "${b[@]}"
  done
  failed=$(awk '$3 != 0' "$work/a" "$work/b" | wc -l)
  [ "$failed" -eq 0 ] || { cat "$work/stderr" >&2; echo "startup-bench: $failed runs over $transport failed" >&2; exit 1; }
  ratio=$(paste -d ' ' "$work/a" "$work/b" | awk '{ print $1 / $4 }' | median)
  printf '%-10s %8.1f %16.1f %7.2fx %8s ms %15s ms\n' "$transport" \
    "$(cut -d ' ' -f 1 "$work/a" | median)" "$(cut -d ' ' -f 1 "$work/b" | median)" "$ratio" \
    "$(cut -d ' ' -f 2 "$work/a" | median)" "$(cut -d ' ' -f 2 "$work/b" | median)"
done
