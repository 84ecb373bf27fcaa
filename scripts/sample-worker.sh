#!/usr/bin/env bash
# The hosting sample in one command: makes a CA, a broker certificate and a device certificate with `smqtt certs`,
# starts a throwaway Mosquitto with a mutual-TLS listener on a free loopback port (as `smqtt demo` does), and runs
# samples/SecureMqtt.Samples.Worker against it for N readings (default 5, one a second), with its metrics and traces
# on the OpenTelemetry console exporter. A second client (mosquitto_sub, its own certificate) counts what arrived.
# Usage: bash scripts/sample-worker.sh [readings]. Everything lives in a temporary directory deleted on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
readings=${1:-5}
case "$readings" in '' | *[!0-9]* | 0) echo "usage: $0 [readings, a positive number]" >&2; exit 2 ;; esac

bash scripts/ensure-mosquitto.sh
source scripts/lib/broker.sh
broker_init smqtt-sample
work=$BROKER_WORK
fail() {
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 20 "$2" >&2
  echo "sample-worker: FAILED: $1" >&2
  exit 1
}

echo "== Building the sample and smqtt (Release)"
dotnet build samples/SecureMqtt.Samples.Worker -c Release -v quiet -nologo >"$work/build.log" 2>&1 || fail "dotnet build of the sample failed" "$work/build.log"
dotnet build src/SecureMqtt.Cli -c Release -v quiet -nologo >>"$work/build.log" 2>&1 || fail "dotnet build of smqtt failed" "$work/build.log"
smqtt() { dotnet src/SecureMqtt.Cli/bin/Release/net10.0/smqtt.dll "$@"; }

echo "== Certificates (smqtt certs) in $work"
smqtt certs ca -d "$work" --name "Sample CA" >/dev/null
smqtt certs server -d "$work" --dns localhost --ip 127.0.0.1 >/dev/null
smqtt certs client -d "$work" --name sample-worker >/dev/null
smqtt certs client -d "$work" --name sample-watcher >/dev/null
ls "$work"/*.crt | sed 's|^|   |'

broker_free_ports 1 || fail "no free loopback port found"
port=${BROKER_PORTS[0]}

echo "== Mosquitto with a mutual-TLS listener on 127.0.0.1:$port (smqtt certs mosquitto-conf)"
{
  echo "persistence false"
  echo "log_dest file $work/mosquitto.log"
  echo "log_type all"
  broker_root_user
  smqtt certs mosquitto-conf -d "$work" -p "$port" --bind 127.0.0.1
} >"$work/mosquitto.conf"
broker_start "$work/mosquitto.conf" "$port" || fail "mosquitto did not start" "$work/mosquitto.out"

# The watcher subscribes first and is waited for, so no reading is published before anyone listens.
mosquitto_sub -h 127.0.0.1 -p "$port" --cafile "$work/ca.crt" --cert "$work/sample-watcher.crt" --key "$work/sample-watcher.key" \
  -i sample-watcher -t 'sample/#' -q 1 -C "$readings" -W $((readings + 30)) >"$work/received.txt" 2>"$work/watcher.err" &
watcher_pid=$!
broker_track "$watcher_pid"
for _ in $(seq 1 100); do
  grep -q "Received SUBSCRIBE from sample-watcher" "$work/mosquitto.log" 2>/dev/null && break
  kill -0 "$watcher_pid" 2>/dev/null || fail "mosquitto_sub exited" "$work/watcher.err"
  sleep 0.1
done

echo "== The worker: $readings readings, then it stops itself (Ctrl+C stops it earlier)"
# Environment variables override appsettings.json: Mqtt__Port is the key Mqtt:Port.
Mqtt__Port=$port \
  Mqtt__Tls__CaFile="$work/ca.crt" \
  Mqtt__Tls__ClientCertificateFile="$work/sample-worker.crt" \
  Mqtt__Tls__ClientKeyFile="$work/sample-worker.key" \
  Readings__Count=$readings \
  Telemetry__MetricExportIntervalSeconds=$((readings > 3 ? readings / 2 : 2)) \
  dotnet samples/SecureMqtt.Samples.Worker/bin/Release/net10.0/SecureMqtt.Samples.Worker.dll \
  || fail "the worker exited with $?"

wait "$watcher_pid" 2>/dev/null || true
got=$(grep -c '"sequence"' "$work/received.txt" || true)
echo "== A second client (mosquitto_sub over mutual TLS) received $got of $readings readings:"
sed 's|^|   |' "$work/received.txt"
grep -q "Client sample-worker disconnected." "$work/mosquitto.log" \
  && echo "== The broker logged a clean DISCONNECT from sample-worker at stop" \
  || fail "the broker did not log a clean disconnect of sample-worker" "$work/mosquitto.log"
[ "$got" -eq "$readings" ] || fail "only $got of $readings readings arrived"
echo "sample-worker: ok"
