#!/usr/bin/env bash
# One smqtt process holding N concurrent mutual-TLS connections to one throwaway Mosquitto (default N=10000):
# `smqtt bench conn -c N --duration HOLD`, at most 32 handshakes in flight. Raises the open-file limit for itself
# and the broker it starts (which inherits it), and lifts Mosquitto's connection limit (max_connections -1).
# Reports the handshake rate (connections per second until all were up), the time to all connected, the median
# connect, the resident memory per connection of the client (its RSS delta over the connections / N) and of the
# broker (its peak RSS during the hold minus its RSS before / N), and the errors.
# Usage: scripts/many-connections.sh [N]       HOLD=10 scripts/many-connections.sh 20000
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
n=${1:-${N:-10000}}
hold=${HOLD:-5}
case "$n" in '' | *[!0-9]* | 0) echo "usage: $0 [connections, a positive number]" >&2; exit 2 ;; esac
source "$root/scripts/lib/broker.sh"

fail() {
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 20 "$2" >&2
  echo "many-connections: FAILED: $1" >&2
  exit 1
}
broker_find || fail "mosquitto is not installed (bash scripts/ensure-mosquitto.sh)"

# Each connection is one descriptor in each process, plus what the runtime and the broker open themselves. As root
# the hard limit can be raised too; otherwise the soft one goes as far as the hard one allows.
want=$((n + 1024))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  ulimit -Hn "$want" 2>/dev/null || true
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
fds=$(ulimit -n)
[ "$fds" = unlimited ] || [ "$fds" -ge "$want" ] || fail "the open-file limit is $fds, below the $want that $n connections need (raise the hard limit: ulimit -Hn as root)"

broker_init smqtt-many
work=$BROKER_WORK
dotnet build "$root/src/SecureMqtt.Cli" -c Release -nologo -v quiet >"$work/build.log" 2>&1 || fail "dotnet build of smqtt failed" "$work/build.log"
smqtt="$root/src/SecureMqtt.Cli/bin/Release/net10.0/smqtt"

broker_free_ports 1 || fail "no free loopback port found"
port=${BROKER_PORTS[0]}
pki="$work/pki"
broker_certs "$pki" "$smqtt" -- device || fail "smqtt certs failed" "$pki/certs.log"
# Root: 'user root' keeps the broker able to read the 0600 keys instead of switching to the user 'mosquitto'.
cat >"$work/mosquitto.conf" <<CONF
persistence false
log_dest file $work/broker.log
log_type error
log_type warning
$(broker_root_user)
listener $port 127.0.0.1
max_connections -1
cafile $pki/ca.crt
certfile $pki/server.crt
keyfile $pki/server.key
require_certificate true
use_identity_as_username true
CONF
broker_start "$work/mosquitto.conf" "$port" || fail "mosquitto did not start" "$work/mosquitto.out"
broker=$BROKER_PID
broker_fds=$(awk '/Max open files/ { print $4 }' "/proc/$broker/limits")
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
broker_before=$(rss_kb "$broker")

timeout $((600 + hold)) "$smqtt" bench conn -h localhost -p "$port" --cafile "$pki/ca.crt" --cert "$pki/device.crt" --key "$pki/device.key" \
  -c "$n" --duration "$hold" --json --broker-pid "$broker" >"$work/bench.json" 2>"$work/bench.err" &
bench=$!
broker_track "$bench"
# The broker's peak while the connections come up and are held (sampled; the client reports its own).
broker_peak=$broker_before
while kill -0 "$bench" 2>/dev/null; do
  now=$(rss_kb "$broker")
  [ -n "$now" ] && [ "$now" -gt "$broker_peak" ] && broker_peak=$now
  sleep 0.25
done
wait "$bench"
status=$?
json=$(cat "$work/bench.json")
[ -n "$json" ] || fail "smqtt bench conn printed no result (exit $status)" "$work/bench.err"
field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p" <<<"$json"; }

connected=$(field clients)
errors=$(field errors)
echo "many-connections: $connected of $n mutual-TLS connections held for $hold s by one smqtt process ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d ' ' -f 1-3 /proc/loadavg))"
echo "  open-file limit: $fds for smqtt, $broker_fds for mosquitto"
echo "  all connected in $(field connect_duration_s) s: $(field connects_per_s) handshakes per second; median connect $(field connect_ms) ms, p99 $(awk -v v="$(field p99_us)" 'BEGIN { printf "%.1f", v / 1000 }') ms"
echo "  client resident memory: $(field rss_before_mb) MB before, $(field rss_connected_mb) MB connected: $(field rss_kb_per_connection) KB per connection"
awk -v a="$broker_before" -v b="$broker_peak" -v n="${connected:-0}" 'BEGIN {
  per = "-"; if (n > 0) per = sprintf("%.1f", (b - a) / n)
  printf "  broker resident memory: %.1f MB before, %.1f MB at its peak: %s KB per connection\n", a / 1024, b / 1024, per }'
echo "  broker CPU over the run: $(field broker_cpu_pct)% of a core; client CPU $(awk -v c="$(field cpu_s_per_100k)" -v n="${connected:-0}" 'BEGIN { printf "%.2f", c * n / 100000 }') s in all"
echo "  errors: $errors$([ "${errors:-0}" != 0 ] && echo " (first: $(tail -n 1 "$work/bench.err"))")"
[ "$status" -eq 0 ] && [ "${connected:-0}" -eq "$n" ]
